"""The HTML report opens in a real headless browser and shows every step's actions.

Needs Debian's chromium (`.ci/install-browser`). Without it the test is skipped with a loud
reason on a developer machine, and fails in CI (`CI` set), so it never passes unseen.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import read_json, run_autofix

from .conftest import RealRuns

BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@pytest.fixture(scope="session")
def chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    message = (
        "chromium is not installed: the HTML report was NOT checked in a browser "
        "(run .ci/install-browser)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(f"!!! {message} !!!")


def browse(chromium: str, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="autofix-chromium-") as profile:
        return subprocess.run(
            [chromium, *BROWSER_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )


class StepsInDom(HTMLParser):
    """step name -> action names, read from the DOM the browser built."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: dict[str, list[str]] = {}
        self._current: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section":
            self._depth += 1
            if values.get("data-step") is not None:
                self._current = values["data-step"]
                self.steps[self._current or ""] = []
        if tag == "tr" and self._current is not None and values.get("data-action"):
            self.steps[self._current].append(values["data-action"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._depth -= 1
            if self._depth == 0:
                self._current = None


def test_browser_shows_every_step_and_action(
    chromium: str, real_runs: RealRuns, tmp_path: Path
) -> None:
    out = real_runs.first
    page = tmp_path / "report.html"
    assert run_autofix("report", str(out), "-o", str(page)).exit_code == 0
    dumped = browse(chromium, page, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    assert 'id="verdict"' in dom and "SUCCEEDED" in dom
    parser = StepsInDom()
    parser.feed(dom)
    summary = read_json(out / "summary.json")
    assert parser.steps == {s["name"]: s["actions"] for s in summary["steps"]}
    # markup in the command stayed text: the browser built no <b> element from it
    assert "<b>blue</b>" not in dom and "&lt;b&gt;blue&lt;/b&gt;" in dom

    shot = tmp_path / "report.png"
    taken = browse(chromium, page, "--window-size=1280,1600", f"--screenshot={shot}")
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000

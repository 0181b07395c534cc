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
from .outdirs import DEPLOYER, LedgerWriter, write_out_dir

WIDTHS = {"desktop": 1280, "phone": 390}
# The report has no script: a host page measures it in an iframe exactly WIDTH px wide
# (headless windows are never narrower than 500 px, an iframe is).
HOST = (
    '<!DOCTYPE html><html><body style="margin:0"><iframe id="r" src="{src}" '
    'style="border:0;width:{width}px;height:1500px" onload="'
    "const w = this.contentWindow, e = w.document.scrollingElement; "
    "document.body.setAttribute('data-measured', "
    "[e.scrollWidth, e.clientWidth, w.innerWidth].join(' '))"
    '"></iframe></body></html>'
)

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


def wide_run(directory: Path) -> Path:
    """A run shaped like a real deploy: long ARNs, long CloudFormation evidence, risk flags."""
    account = "123456789012"
    function = f"arn:aws:lambda:us-east-1:{account}:function:a-service-with-a-long-name-dev-hello"
    ledger = LedgerWriter().add(
        "run_start", steps=["deploy-dev", "remove-dev"], deployer=DEPLOYER, start_actions=[]
    )
    found: dict[str, list[str]] = {}
    for step, actions in (
        ("deploy-dev", ["cloudformation:DescribeStacks", "lambda:UpdateFunctionConfiguration"]),
        ("remove-dev", ["cloudformation:DeleteStack", "lambda:DeleteFunction"]),
    ):
        index = len(found) + 1
        ledger.add(
            "step_start",
            step=step,
            index=index,
            of=2,
            command=f"sls {step.split('-')[0]} --stage dev",
        )
        for attempt, action in enumerate(actions, start=1):
            ledger.attempt(step, attempt, attempt, 1, 3.5 * attempt)
            evidence = (
                "CREATE_FAILED: HelloLambdaFunction (AWS::Lambda::Function) Resource handler "
                f'returned message: "User: {DEPLOYER} is not authorized to perform: {action} '
                f"on resource: {function} because no identity-based policy allows the {action} "
                "action (Service: Lambda, Status Code: 403, Request ID: "
                '0f6a4f2e-9a5b-4a57-8d0f-4b1d7b8c2e11)" (RequestToken: '
                "5c1c6a0e-4d8e-4c1d-9b7e-2a9d8f3b7c55, HandlerErrorCode: AccessDenied)"
            )
            ledger.denied(step, attempt, action, resource=function, evidence=evidence * 2)
            for resource in (function, f"{function}:*", f"{function}-alias"):
                ledger.add(
                    "grant_added",
                    step=step,
                    attempt=attempt,
                    action=action,
                    resource=resource,
                    new=resource == function,
                )
        ledger.attempt(step, len(actions) + 1, len(actions) + 1, 0, 9.0)
        ledger.add("step_ok", step=step, attempts=len(actions) + 1, actions=actions)
        found[step] = actions
    ledger.add("verify_start", actions=4).add("verify_ok", pruned=[])
    summary = {
        "ok": True,
        "exit_code": 0,
        "attempts_total": 6,
        "steps": [
            {"name": n, "ok": True, "attempts": len(a) + 1, "actions": a} for n, a in found.items()
        ],
        "flags": [
            {
                "action": "lambda:UpdateFunctionConfiguration",
                "resource": function,
                "risk": "changes the role a function runs as (with iam:PassRole)",
                "needed_for": f"denied on {function}",
            }
        ],
    }
    actions = [a for a in found.values() for a in a]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Lambda", "Effect": "Allow", "Action": actions[2:], "Resource": function},
            {"Sid": "Cloudformation", "Effect": "Allow", "Action": actions[:2], "Resource": "*"},
        ],
    }
    return write_out_dir(directory, ledger, summary, policy)


@pytest.mark.parametrize("which", ["small", "wide"])
def test_report_fits_desktop_and_phone_without_horizontal_scrolling(
    chromium: str, real_runs: RealRuns, tmp_path: Path, which: str
) -> None:
    out = real_runs.first if which == "small" else wide_run(tmp_path / "wide")
    page = tmp_path / "report.html"
    assert run_autofix("report", str(out), "-o", str(page)).exit_code == 0
    for label, width in WIDTHS.items():  # desktop first
        shot = tmp_path / f"report-{which}-{label}.png"
        taken = browse(chromium, page, f"--window-size={width},2000", f"--screenshot={shot}")
        assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]
        host = tmp_path / f"host-{label}.html"
        host.write_text(HOST.format(src=page.name, width=width), encoding="utf-8")
        flags = ("--window-size=1400,1600", "--allow-file-access-from-files", "--dump-dom")
        dumped = browse(chromium, host, *flags)
        assert dumped.returncode == 0, dumped.stderr[-2000:]
        scroll_width, client_width, inner_width = map(
            int, dumped.stdout.split('data-measured="', 1)[1].split('"', 1)[0].split()
        )
        assert inner_width == width
        # (clientWidth: innerWidth less the vertical scrollbar, so no overflow hides under it)
        assert scroll_width <= client_width, f"{label}: {scroll_width} px wide in {width} px"


def test_evidence_folds_and_policy_statements_link_to_their_denials(
    chromium: str, tmp_path: Path
) -> None:
    out = wide_run(tmp_path / "wide")
    page = tmp_path / "report.html"
    assert run_autofix("report", str(out), "-o", str(page)).exit_code == 0
    dumped = browse(chromium, page, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = Dom()
    dom.feed(dumped.stdout)
    # every denial's evidence is folded away behind a one-line summary
    proofs = [t for t in dom.tags if t[0] == "details" and "proof" in (t[1].get("class") or "")]
    assert len(proofs) == 4 and not any("open" in attrs for _, attrs in proofs)
    # each statement links to the rows of exactly the actions it grants
    rows = {a["id"]: a["data-action"] for t, a in dom.tags if t == "tr" and a.get("data-action")}
    links: dict[str, list[str]] = {}
    current = None
    for tag, attrs in dom.tags:
        if tag == "div" and (attrs.get("id") or "").startswith("stmt-"):
            current = attrs["id"]
            links[current] = []
        elif tag == "a" and current and (attrs.get("href") or "").startswith("#s"):
            links[current].append(rows[(attrs["href"] or "")[1:]])
    assert links == {
        "stmt-1": ["cloudformation:DeleteStack", "lambda:DeleteFunction"],
        "stmt-2": ["cloudformation:DescribeStacks", "lambda:UpdateFunctionConfiguration"],
    }
    # the picture: one bar per attempt, the verify pass marked
    assert sum(1 for t, a in dom.tags if t == "g" and a.get("class") == "attempt") == 6
    assert any(t == "rect" and a.get("class") == "verify-ok" for t, a in dom.tags)
    # flags read as a risk and what needed it, not as raw key: value text
    assert "risk:" not in dumped.stdout and "needed for:" in dumped.stdout


class Dom(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

"""Which report files `autofix report` writes, and writing them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from autofix import untrusted
from autofix.errors import ConfigError
from autofix.records.files import write_atomic
from autofix.report.as_json import render_json
from autofix.report.html import render_html
from autofix.report.load import load_run
from autofix.report.markdown import render_markdown
from autofix.report.model import RunRecord

RENDERERS: dict[str, Callable[[RunRecord], str]] = {
    "markdown": render_markdown,
    "html": render_html,
    "json": render_json,
}
FILE_NAMES = {"markdown": "report.md", "html": "report.html", "json": "report.json"}
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
SUFFIXES[".json"] = "json"
DEFAULT_FORMATS = ("markdown", "html")
STDOUT = Path("-")


def write_reports(out_dir: Path, fmt: str | None, output: Path | None) -> list[str]:
    """Render the run in `out_dir`; returns where each report went (`-` for stdout).

    No format and no output: report.md and report.html in `out_dir`. `-o FILE` without a
    format takes the format from FILE's suffix.
    """
    if output is not None and fmt is None:
        if output == STDOUT:
            raise ConfigError("-o - needs --format markdown|html|json")
        fmt = SUFFIXES.get(output.suffix.lower())
        if fmt is None:
            raise ConfigError(
                f"{output}: cannot tell the format from the name; pass --format markdown|html|json"
            )
    run = load_run(out_dir)
    formats = (fmt,) if fmt else DEFAULT_FORMATS
    written: list[str] = []
    for name in formats:
        rendered = untrusted.clean(RENDERERS[name](run))  # older ledgers were kept raw
        if output == STDOUT:
            sys.stdout.write(rendered)
            written.append("-")
            continue
        target = output or out_dir / FILE_NAMES[name]
        try:
            write_atomic(target, rendered)
        except OSError as exc:
            raise ConfigError(f"{target}: cannot write the report: {exc.strerror}") from None
        written.append(str(target))
    return written

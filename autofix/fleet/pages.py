"""The fleet report as pages: Markdown (also the GitHub Step Summary) and HTML, a table with
one row per service linking the service's own report."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from autofix.fleet.report import FleetReport, ServiceReport

__all__ = ["render_html", "render_markdown", "service_link"]

_SHOWN = 6  # actions listed in a cell before "and N more"


def service_link(service: ServiceReport, base: Path) -> str:
    """The service's own report, relative to the fleet page (its check.json for a check)."""
    for name in ("report.html", "report.md", "check.json", "summary.json"):
        if (base / service.out_dir / name).is_file():
            return f"{service.out_dir}/{name}"
    return service.out_dir


def render_markdown(report: FleetReport, base: Path) -> str:
    verb = "checked" if report.mode == "check" else "ran"
    ok = sum(s.ok for s in report.services)
    lines = [
        f"# autofix fleet: {ok} of {len(report.services)} services ok",
        "",
        f"autofix {verb} each service in its own process and embedded sandbox.",
        "",
        "| service | result | attempts | seconds | actions | "
        + ("missing | " if report.mode == "check" else "new since saved | ")
        + "unverified | schema-bound |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for s in report.services:
        link = f"[{_md(s.name)}]({service_link(s, base)})"
        lines.append(
            f"| {link} | {_md(_result(s))} | {s.attempts} | {s.seconds:.1f} | {len(s.actions)} | "
            f"{_md(_listing(s.new_actions))} | {_md(_listing(s.unverified))} | "
            f"{_md(_listing(s.schema_bound))} |"
        )
    failed = [s for s in report.services if not s.ok]
    if failed:
        lines += ["", "## Failed", ""]
        lines += [f"- **{_md(s.name)}** ({s.config}): {_md(s.reason or 'failed')}" for s in failed]
    return "\n".join(lines) + "\n"


def render_html(report: FleetReport, base: Path) -> str:
    ok = sum(s.ok for s in report.services)
    title = f"autofix fleet: {ok} of {len(report.services)} services ok"
    head = "missing" if report.mode == "check" else "new since saved"
    rows = []
    for s in report.services:
        cls = "ok" if s.ok else "bad"
        rows.append(
            "<tr>"
            f'<td><a href="{html.escape(service_link(s, base), quote=True)}">'
            f"{html.escape(s.name)}</a><br><small>{html.escape(s.config)}</small></td>"
            f'<td class="{cls}">{html.escape(_result(s))}</td>'
            f'<td class="n">{s.attempts}</td><td class="n">{s.seconds:.1f}</td>'
            f'<td class="n">{len(s.actions)}</td>'
            f"<td>{_html_list(s.new_actions)}</td><td>{_html_list(s.unverified)}</td>"
            f"<td>{_html_list(s.schema_bound)}</td>"
            "</tr>"
        )
    failed = "".join(
        f"<li><b>{html.escape(s.name)}</b>: {html.escape(s.reason or 'failed')}</li>"
        for s in report.services
        if not s.ok
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }}
.wrap {{ overflow-x: auto; }}
table {{ border-collapse: collapse; min-width: 100%; }}
th, td {{ border-bottom: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.ok {{ color: #1a7f37; }} .bad {{ color: #cf222e; font-weight: 600; }}
code {{ font-size: 13px; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<div class="wrap"><table>
<thead><tr><th>service</th><th>result</th><th>attempts</th><th>seconds</th><th>actions</th>
<th>{head}</th><th>unverified</th><th>schema-bound</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></div>
{f"<h2>Failed</h2><ul>{failed}</ul>" if failed else ""}
</body></html>
"""


def _result(s: ServiceReport) -> str:
    code = f" (exit {s.exit_code})" if s.exit_code not in (0, None) else ""
    return f"{s.state}{code}"


def _listing(items: tuple[str, ...], code: Callable[[str], str] = "`{}`".format) -> str:
    """The first items, each as code, and how many more."""
    if not items:
        return "-"
    more = len(items) - _SHOWN
    return ", ".join(map(code, items[:_SHOWN])) + (f" and {more} more" if more > 0 else "")


def _html_list(items: tuple[str, ...]) -> str:
    return _listing(items, lambda item: f"<code>{html.escape(item)}</code>")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

"""A run as one self-contained HTML page: inline CSS, no script, no network, all text escaped."""

from __future__ import annotations

from html import escape

from autofix.report import text
from autofix.report.model import ActionRecord, AttemptRecord, RunRecord, StepRecord
from autofix.report.text import DASH

CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --mute: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  margin: 0 auto; padding: 24px 32px 48px; max-width: 1180px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { background: #f6f8fa; padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: #f6f8fa; padding: 10px 12px; border-radius: 6px; overflow-x: auto; margin: 0; }
pre.evidence { white-space: pre-wrap; overflow-wrap: anywhere; padding: 6px 8px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px;
  border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--mute); }
td.num { text-align: right; white-space: nowrap; width: 1%; }
td.action code { white-space: nowrap; overflow-wrap: normal; }
.verdict { display: inline-block; padding: 3px 12px; border-radius: 999px; color: #fff;
  font-weight: 600; font-size: 14px; }
.v-succeeded { background: var(--ok); } .v-failed { background: var(--bad); }
.v-interrupted, .v-unfinished { background: var(--warn); }
.pill { font-size: 12px; font-weight: 600; padding: 1px 9px; border-radius: 999px;
  border: 1px solid currentColor; white-space: nowrap; }
.pill.ok { color: var(--ok); } .pill.failed { color: var(--bad); }
.pill.interrupted, .pill.unfinished { color: var(--warn); }
.pill.not-reached { color: var(--mute); }
.source { font-size: 12px; color: var(--mute); white-space: nowrap; }
.why { color: var(--bad); margin: 6px 0; }
.totals { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 14px 0; }
.totals dt { color: var(--mute); } .totals dd { margin: 0; overflow-wrap: anywhere; }
.note { background: #fff8c5; border: 1px solid #d4a72c66; padding: 8px 12px; border-radius: 6px;
  margin: 6px 0; }
.step { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 14px 0; }
.step .meta { color: var(--mute); font-size: 13px; margin: 4px 0 8px; }
.bar { display: inline-block; height: 9px; background: #8c959f; border-radius: 2px;
  vertical-align: middle; margin-right: 6px; }
.flags td:first-child code { color: var(--bad); }
details { margin-top: 8px; } summary { cursor: pointer; color: var(--mute); }
nav ol { margin: 4px 0; padding-left: 22px; } nav a { color: inherit; }
.muted { color: var(--mute); }
"""


def render_html(run: RunRecord) -> str:
    title = f"autofix report: {run.verdict}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        "<header>",
        "<h1>autofix report</h1>",
        f'<span class="verdict v-{_e(run.verdict)}" id="verdict">'
        f"{_e(text.verdict_line(run))}</span>",
    ]
    if run.reason and not run.ok:
        parts.append(f'<p class="why">{_e(run.reason)}</p>')
    parts.append('<dl class="totals">')
    parts += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in text.totals(run)]
    parts.append("</dl>")
    parts += [f'<p class="note">{_e(note)}</p>' for note in run.notes]
    if run.steps:
        parts.append("<nav><ol>")
        parts += [
            f'<li><a href="#step-{n}">{_e(s.name)}</a> <span class="muted">'
            f"{_e(text.step_line(s))}</span></li>"
            for n, s in enumerate(run.steps, start=1)
        ]
        parts.append("</ol></nav>")
    parts.append("</header><main>")
    parts += _flags(run)
    parts.append("<h2>Steps</h2>")
    if not run.steps:
        parts.append('<p class="muted">No step was recorded.</p>')
    longest = max((a.seconds or 0.0 for s in run.steps for a in s.attempt_log), default=0.0)
    parts += [_step(n, s, longest) for n, s in enumerate(run.steps, start=1)]
    parts.append('<h2 id="policy">Final policy</h2>')
    if run.policy is None:
        parts.append('<p class="muted">No policy.json in the output directory.</p>')
    else:
        parts.append(f"<pre>{_e(text.policy_text(run.policy))}</pre>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _flags(run: RunRecord) -> list[str]:
    out = ['<h2 id="flags">Flagged actions</h2>']
    if not run.flags:
        return [*out, '<p class="muted">No action was flagged.</p>']
    out.append('<table class="flags"><tr><th>Action</th><th>Resource</th><th>Why</th></tr>')
    for flag in run.flags:
        action, resource, why = text.flag_text(flag)
        out.append(
            f"<tr><td><code>{_e(action)}</code></td><td><code>{_e(resource)}</code></td>"
            f"<td>{_e(why)}</td></tr>"
        )
    return [*out, "</table>"]


def _step(number: int, step: StepRecord, longest: float) -> str:
    status = step.status.replace(" ", "-")
    out = [
        f'<section class="step" id="step-{number}" data-step="{_e(step.name)}">',
        f"<h3>{number}. {_e(step.name)} "
        f'<span class="pill {_e(status)}">{_e(step.status)}</span></h3>',
        f'<div class="meta">{_e(text.step_line(step, with_status=False))}</div>',
    ]
    if step.command:
        out.append(f"<div>Command: <code>{_e(step.command)}</code></div>")
    if step.reason:
        out.append(f'<p class="why">Why it stopped: {_e(step.reason)}</p>')
    if step.actions:
        out.append(
            "<table><tr><th>#</th><th>Action</th><th>Attempt</th>"
            "<th>Denial that proved it</th></tr>"
        )
        out += [_action_row(n, a) for n, a in enumerate(step.actions, start=1)]
        out.append("</table>")
    else:
        out.append('<p class="muted">No new action was required in this step.</p>')
    if step.attempt_log:
        out.append(
            "<table><tr><th>Attempt</th><th>Exit</th><th>Time</th><th>Actions found</th></tr>"
        )
        out += [_attempt_row(a, longest) for a in step.attempt_log]
        out.append("</table>")
    if step.unresolved:
        out.append("<p><strong>Denials left unresolved:</strong></p><ul>")
        for proof in step.unresolved:
            out.append(
                f"<li>{_e(text.deny_label(proof.deny))} "
                f'<span class="source">({_e(text.source_label(proof.source))})</span>'
                f'<pre class="evidence">{_e(proof.evidence or "")}</pre></li>'
            )
        out.append("</ul>")
    if step.recoveries:
        out.append("<ul>")
        for r in step.recoveries:
            out.append(
                f"<li>Stack <code>{_e(r.stack)}</code> ({_e(r.status or '?')}) after attempt "
                f"{_e(_or_dash(r.attempt))}: {_e(r.action or '')} {_e(r.detail or '')}</li>"
            )
        out.append("</ul>")
    if step.tail and not step.ok:
        out.append(
            f"<details open><summary>Last output</summary><pre>{_e(step.tail)}</pre></details>"
        )
    out.append("</section>")
    return "\n".join(out)


def _action_row(number: int, action: ActionRecord) -> str:
    late = ' <span class="source">(warning after success)</span>' if action.after_success else ""
    resources = ", ".join(r for r in action.resources if r != "*")
    scoped = f'<div class="source">on {_e(resources)}</div>' if resources else ""
    proofs = (
        "".join(
            f'<div class="source">{_e(text.source_label(p.source))}'
            f"{' · ' + _e(p.deny) if p.deny and p.deny != 'implicit' else ''}</div>"
            f'<pre class="evidence">{_e(p.evidence or "")}</pre>'
            for p in action.proofs
        )
        or '<span class="muted">&ndash;</span>'
    )
    return (
        f'<tr data-action="{_e(action.action)}"><td class="num">{number}</td>'
        f'<td class="action"><code>{_e(action.action)}</code>{late}{scoped}</td>'
        f'<td class="num">{_e(_or_dash(action.attempt))}</td><td>{proofs}</td></tr>'
    )


def _attempt_row(attempt: AttemptRecord, longest: float) -> str:
    exit_text = "timed out" if attempt.timed_out else _or_dash(attempt.exit_code)
    width = round(120 * (attempt.seconds or 0.0) / longest) if longest else 0
    found = ", ".join(f"<code>{_e(a)}</code>" for a in attempt.found) or DASH
    return (
        f'<tr><td class="num">{attempt.number}</td><td class="num">{_e(exit_text)}</td>'
        f'<td><span class="bar" style="width:{width}px"></span>'
        f"{_e(text.seconds(attempt.seconds))}</td><td>{found}</td></tr>"
    )


def _e(value: str) -> str:
    return escape(value, quote=True)


def _or_dash(value: object) -> str:
    return DASH if value is None else str(value)

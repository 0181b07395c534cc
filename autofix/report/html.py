"""A run as one self-contained HTML page: inline CSS and SVG, no script, no network, all escaped.

Read top down in a minute: the verdict, a picture of the run, the flagged actions, each
step's actions with their evidence folded away, and the final policy with every statement
linked to the denials that justified it.
"""

from __future__ import annotations

import json
from html import escape

from autofix.records.outcome import ResourceTier
from autofix.report import text, tiers
from autofix.report.html_style import CSS
from autofix.report.model import ActionRecord, AttemptRecord, Proof, RunRecord, StepRecord
from autofix.report.policy_links import Statement, statement_of, statements
from autofix.report.run_chart import run_chart
from autofix.report.text import DASH

CLIP = 160
"""Characters of evidence shown in a folded summary line."""


def render_html(run: RunRecord) -> str:
    title = f"autofix report: {run.verdict}"
    policy = statements(run)
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
        parts.append('</ol><a href="#policy">Final policy</a></nav>')
    parts.append("</header><main>")
    parts += _picture(run)
    parts += _flags(run)
    parts += _resources(run)
    parts.append("<h2>Steps</h2>")
    if not run.steps:
        parts.append('<p class="muted">No step was recorded.</p>')
    longest = max((a.seconds or 0.0 for s in run.steps for a in s.attempt_log), default=0.0)
    parts += [_step(n, s, longest, policy) for n, s in enumerate(run.steps, start=1)]
    parts += _policy(run, policy)
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _picture(run: RunRecord) -> list[str]:
    chart = run_chart(run)
    if not chart:
        return []
    return [
        '<h2 id="run">The run</h2>',
        '<div class="legend">'
        '<span><span class="key" style="background:var(--bad)"></span>attempt that failed</span>'
        '<span><span class="key" style="background:var(--ok)"></span>attempt that succeeded'
        "</span>"
        '<span><span class="key" style="background:#0969da"></span>actions it found '
        "(height)</span>"
        '<span><span class="key" style="background:#8250df"></span>verify pass</span></div>',
        f'<div class="chart-box">{chart}</div>',
    ]


def _flags(run: RunRecord) -> list[str]:
    out = ['<h2 id="flags">Flagged actions</h2>']
    if not run.flags:
        return [*out, '<p class="muted">No action was flagged.</p>']
    for flag in run.flags:
        action, resource = str(flag.get("action", DASH)), str(flag.get("resource", DASH))
        main = flag.get("risk", flag.get("why"))
        rest = {k: v for k, v in flag.items() if k not in ("action", "resource", "risk", "why")}
        out.append(
            f'<div class="flag"><code>{_e(action)}</code> '
            f'<span class="source">on</span> <code>{_e(resource)}</code>'
        )
        if main is not None:
            out.append(f'<div class="risk">{_e(_plain(main))}</div>')
        if rest:
            out.append("<dl>")
            out += [
                f"<dt>{_e(k.replace('_', ' '))}:</dt> <dd>{_e(_plain(v))}</dd>"
                for k, v in rest.items()
            ]
            out.append("</dl>")
        out.append("</div>")
    return out


def _resources(run: RunRecord) -> list[str]:
    out = ['<h2 id="resources">Resources</h2>', f'<p class="muted">{_e(tiers.INTRO)}</p>']
    if not run.resources and not run.verify_resources:
        return [*out, f'<p class="muted">{_e(tiers.NONE_RECORDED)}</p>']
    out += _resource_table(run.resources)
    if run.verify_resources:
        out += ["<p>In the verify pass's replays:</p>", *_resource_table(run.verify_resources)]
    return out


def _resource_table(resources: tuple[ResourceTier, ...]) -> list[str]:
    out = [
        '<table class="resources"><tr><th>Step</th><th>Resource</th><th>Type</th><th>Tier</th>'
        "<th>Bound actions, or why</th></tr>"
    ]
    for r in resources:
        pill = "ok" if r.tier == "checked" else "unfinished"
        out.append(
            f'<tr data-tier="{_e(r.tier)}"><td>{_e(r.step or DASH)}</td>'
            f"<td><code>{_e(r.logical_id)}</code></td><td><code>{_e(r.type)}</code></td>"
            f'<td><span class="pill {pill}">{_e(r.tier)}</span></td>'
            f"<td>{_e(tiers.detail(r) or DASH)}</td></tr>"
        )
    out.append("</table>")
    return out


def _step(number: int, step: StepRecord, longest: float, policy: tuple[Statement, ...]) -> str:
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
            '<table class="actions"><colgroup><col class="n"><col class="act"><col class="att">'
            '<col></colgroup><tr class="head"><th class="num">#</th><th>Action</th>'
            '<th class="num">Attempt</th><th>Denial that proved it</th></tr>'
        )
        out += [
            _action_row(number, n, a, statement_of(policy, number, n))
            for n, a in enumerate(step.actions, start=1)
        ]
        out.append("</table>")
    else:
        out.append('<p class="muted">No new action was required in this step.</p>')
    if step.attempt_log:
        out.append(
            f'<details class="more"><summary>Attempts ({len(step.attempt_log)})</summary>'
            '<table><colgroup><col class="n"><col class="exit"><col class="time"><col>'
            '</colgroup><tr><th class="num">#</th><th class="num">Exit</th><th>Time</th>'
            "<th>Actions found</th></tr>"
        )
        out += [_attempt_row(a, longest) for a in step.attempt_log]
        out.append("</table></details>")
    if step.unresolved:
        out.append("<p><strong>Denials left unresolved:</strong></p><ul>")
        for proof in step.unresolved:
            out.append(f"<li>{_e(text.deny_label(proof.deny))} {_proof(proof, opened=True)}</li>")
        out.append("</ul>")
    if step.recoveries:
        out.append(
            f'<details class="more"><summary>Stacks repaired between attempts '
            f"({len(step.recoveries)})</summary><ul>"
        )
        for r in step.recoveries:
            out.append(
                f"<li>Stack <code>{_e(r.stack)}</code> ({_e(r.status or '?')}) after attempt "
                f"{_e(_or_dash(r.attempt))}: {_e(r.action or '')} {_e(r.detail or '')}</li>"
            )
        out.append("</ul></details>")
    if step.tail and not step.ok:
        out.append(
            f"<details open><summary>Last output</summary><pre>{_e(step.tail)}</pre></details>"
        )
    out.append("</section>")
    return "\n".join(out)


def _action_row(step: int, number: int, action: ActionRecord, statement: Statement | None) -> str:
    late = ' <span class="source">(warning after success)</span>' if action.after_success else ""
    resources = ", ".join(r for r in action.resources if r != "*")
    scoped = f'<div class="source">on {_e(resources)}</div>' if resources else ""
    granted = (
        f'<div class="source">in <a href="#stmt-{statement.number}">'
        f"{_e(_statement_name(statement))}</a></div>"
        if statement
        else ""
    )
    proofs = "".join(_proof(p) for p in action.proofs) or '<span class="muted">&ndash;</span>'
    return (
        f'<tr id="s{step}-a{number}" data-action="{_e(action.action)}">'
        f'<td class="num">{number}</td>'
        f'<td class="action"><code>{_e(action.action)}</code>{late}{scoped}{granted}</td>'
        f'<td class="num att">{_e(_or_dash(action.attempt))}</td>'
        f'<td class="proofs">{proofs}</td></tr>'
    )


def _proof(proof: Proof, opened: bool = False) -> str:
    evidence = proof.evidence or ""
    deny = f" · {proof.deny}" if proof.deny and proof.deny != "implicit" else ""
    first = " ".join(evidence.split())[:CLIP]
    return (
        f'<details class="proof"{" open" if opened else ""}><summary>'
        f'<span class="source">{_e(text.source_label(proof.source))}{_e(deny)}</span>'
        f'<span class="clip">{_e(first)}</span></summary>'
        f'<pre class="evidence">{_e(evidence)}</pre></details>'
    )


def _attempt_row(attempt: AttemptRecord, longest: float) -> str:
    exit_text = "timed out" if attempt.timed_out else _or_dash(attempt.exit_code)
    width = round(100 * (attempt.seconds or 0.0) / longest) if longest else 0
    found = ", ".join(f"<code>{_e(a)}</code>" for a in attempt.found) or DASH
    return (
        f'<tr><td class="num">{attempt.number}</td><td class="num">{_e(exit_text)}</td>'
        f'<td><span class="bar" style="width:{width}px"></span>'
        f"{_e(text.seconds(attempt.seconds))}</td><td>{found}</td></tr>"
    )


def _policy(run: RunRecord, policy: tuple[Statement, ...]) -> list[str]:
    out = ['<h2 id="policy">Final policy</h2>']
    if run.policy is None:
        return [*out, '<p class="muted">No policy.json in the output directory.</p>']
    for statement in policy:
        out.append(
            f'<div class="stmt" id="stmt-{statement.number}"><h3>'
            f"{_e(_statement_name(statement))} "
            f'<span class="pill {"ok" if statement.effect == "Allow" else "failed"}">'
            f"{_e(statement.effect)}</span></h3>"
            '<div class="label">Actions</div><div class="chips">'
            + " ".join(f"<code>{_e(a)}</code>" for a in statement.actions)
            + '</div><div class="label">Resources</div><div class="chips">'
            + " ".join(f"<code>{_e(r)}</code>" for r in statement.resources)
            + '</div><div class="label">Justified by</div>'
        )
        if statement.justified_by:
            out.append("<ul>")
            for found in statement.justified_by:
                record = found.record
                source = f" ({text.source_label(record.source)})" if record.proofs else ""
                out.append(
                    f'<li><a href="#s{found.step}-a{found.index}"><code>{_e(record.action)}'
                    f"</code></a> {_e(found.step_name)}, attempt "
                    f"{_e(_or_dash(record.attempt))}{_e(source)}</li>"
                )
            out.append("</ul>")
        else:
            out.append(
                '<p class="muted">No denial in this run: from the start policy '
                "or an earlier run.</p>"
            )
        out.append("</div>")
    out.append(
        '<details class="more"><summary>policy.json</summary>'
        f"<pre>{_e(text.policy_text(run.policy))}</pre></details>"
    )
    return out


def _statement_name(statement: Statement) -> str:
    return f"statement {statement.number}" + (f" ({statement.sid})" if statement.sid else "")


def _plain(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _e(value: str) -> str:
    return escape(value, quote=True)


def _or_dash(value: object) -> str:
    return DASH if value is None else str(value)

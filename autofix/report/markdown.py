"""A run as a Markdown report (GitHub-flavoured: tables, fenced code)."""

from __future__ import annotations

import re

from autofix.records.outcome import ResourceTier
from autofix.report import text, tiers
from autofix.report.model import ActionRecord, RunRecord, StepRecord
from autofix.report.text import DASH

_SPECIAL = re.compile(r"([\\`*_\[\]|<>~&])")


def md_text(value: str) -> str:
    """Plain text safe in Markdown: punctuation backslash-escaped, one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def md_code(value: str) -> str:
    """Inline code that survives backticks and pipes inside a table cell."""
    flat = " ".join(value.split()).replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_block(value: str, language: str = "") -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", value)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{value.rstrip()}\n{fence}"


def render_markdown(run: RunRecord) -> str:
    out = [f"# autofix report: {md_text(text.verdict_line(run))}", ""]
    if run.reason and not run.ok:
        out += [f"**Why:** {md_text(run.reason)}", ""]
    out += ["| | |", "|---|---|"]
    out += [f"| {md_text(k)} | {md_text(v)} |" for k, v in text.totals(run)]
    out.append("")
    for note in run.notes:
        out.append(f"> **Note:** {md_text(note)}")
    if run.notes:
        out.append("")
    out += _flags(run)
    out += _resources(run)
    out += ["## Steps", ""]
    if not run.steps:
        out += ["No step was recorded.", ""]
    for index, step in enumerate(run.steps, start=1):
        out += _step(index, step)
    out += ["## Final policy", ""]
    if run.policy is None:
        out += ["No policy.json in the output directory.", ""]
    else:
        out += [md_block(text.policy_text(run.policy), "json"), ""]
    return "\n".join(out).rstrip() + "\n"


def _flags(run: RunRecord) -> list[str]:
    out = ["## Flagged actions", ""]
    if not run.flags:
        return [*out, "No action was flagged.", ""]
    out += ["| Action | Resource | Why |", "|---|---|---|"]
    for flag in run.flags:
        action, resource, why = text.flag_text(flag)
        out.append(f"| {md_code(action)} | {md_code(resource)} | {md_text(why)} |")
    return [*out, ""]


def _resources(run: RunRecord) -> list[str]:
    out = ["## Resources", "", md_text(tiers.INTRO), ""]
    if not run.resources and not run.verify_resources:
        return [*out, md_text(tiers.NONE_RECORDED), ""]
    out += _resource_table(run.resources)
    if run.verify_resources:
        out += ["In the verify pass's replays:", "", *_resource_table(run.verify_resources)]
    return out


def _resource_table(resources: tuple[ResourceTier, ...]) -> list[str]:
    out = ["| Step | Resource | Type | Tier | Bound actions, or why |", "|---|---|---|---|---|"]
    for r in resources:
        out.append(
            f"| {md_text(r.step or DASH)} | {md_code(r.logical_id)} | {md_code(r.type)} | "
            f"{md_text(r.tier)} | {md_text(tiers.detail(r)) or DASH} |"
        )
    return [*out, ""]


def _step(index: int, step: StepRecord) -> list[str]:
    out = [f"### {index}. {md_text(step.name)}: {md_text(text.step_line(step))}", ""]
    if step.command:
        out += [f"Command: {md_code(step.command)}", ""]
    if step.reason:
        out += [f"**Why it stopped:** {md_text(step.reason)}", ""]
    if step.actions:
        out += [
            "| # | Action | Attempt | Source | Denial that proved it |",
            "|---|---|---|---|---|",
        ]
        out += [_action_row(n, a) for n, a in enumerate(step.actions, start=1)]
    else:
        out.append("No new action was required in this step.")
    out.append("")
    if step.attempt_log:
        out += ["| Attempt | Exit | Time | Actions found |", "|---|---|---|---|"]
        for attempt in step.attempt_log:
            exit_text = "timed out" if attempt.timed_out else _or_dash(attempt.exit_code)
            found = ", ".join(md_code(a) for a in attempt.found) or DASH
            out.append(
                f"| {attempt.number} | {exit_text} | {text.seconds(attempt.seconds)} | {found} |"
            )
        out.append("")
    if step.unresolved:
        out += ["Denials left unresolved:", ""]
        for proof in step.unresolved:
            why = md_text(text.deny_label(proof.deny))
            seen = md_text(text.source_label(proof.source))
            out.append(f"- {why} ({seen}): {md_code(proof.evidence or '')}")
        out.append("")
    for recovery in step.recoveries:
        out.append(
            f"- Stack {md_code(recovery.stack)} ({md_text(recovery.status or '?')}) after "
            f"attempt {_or_dash(recovery.attempt)}: {md_text(recovery.action or '')} "
            f"{md_text(recovery.detail or '')}"
        )
    if step.recoveries:
        out.append("")
    if step.tail and not step.ok:
        out += ["Last output:", "", md_block(step.tail), ""]
    return out


def _action_row(number: int, action: ActionRecord) -> str:
    name = md_code(action.action)
    scoped = [r for r in action.resources if r != "*"]
    if scoped:
        name += " on " + ", ".join(md_code(r) for r in scoped)
    if action.after_success:
        name += " (warning after success)"
    evidence = " ".join(md_code(p.evidence) for p in action.proofs if p.evidence) or DASH
    sources = ", ".join(
        dict.fromkeys(md_text(text.source_label(p.source)) for p in action.proofs if p.source)
    )
    return f"| {number} | {name} | {_or_dash(action.attempt)} | {sources or DASH} | {evidence} |"


def _or_dash(value: object) -> str:
    return DASH if value is None else str(value)

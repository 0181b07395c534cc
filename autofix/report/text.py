"""Small wording helpers shared by the Markdown and HTML reports."""

from __future__ import annotations

import json
from typing import Any

from autofix.denials.model import Source
from autofix.report import tiers
from autofix.report.model import RunRecord, StepRecord

DASH = "\u2013"
"""Shown where a value is unknown."""

VERDICT_LABELS = {
    "succeeded": "every step succeeded",
    "failed": "a step could not be made to succeed",
    "interrupted": "interrupted",
    "unfinished": "unfinished (no summary and no end event: the process was killed?)",
}


SOURCE_LABELS: dict[str, str] = {
    Source.OUTPUT: "command output",
    Source.STACK_EVENTS: "CloudFormation stack events",
    Source.DECODED: "decoded authorization message",
    Source.ACCOUNT_LOG: "account deny log",
}


DENY_LABELS = {
    "implicit": "no policy allows it",
    "explicit-identity": "explicit deny in an identity policy",
    "scp": "explicit deny in a service control policy",
    "boundary": "explicit deny in a permissions boundary",
    "session": "explicit deny in a session policy",
    "resource-policy": "explicit deny in a resource policy",
}


def deny_label(deny: str | None) -> str:
    return DENY_LABELS.get(deny or "", deny or "denied")


def source_label(source: str | None) -> str:
    """Where a denial was seen, in words (unknown channels are shown as written)."""
    if source is None:
        return "?"
    return SOURCE_LABELS.get(source, source)


def seconds(value: float | None) -> str:
    """`2.7 s`, `1 min 05 s`, or a dash when unknown."""
    if value is None:
        return DASH
    if value < 60:
        return f"{value:.1f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest:02d} s"


def verdict_line(run: RunRecord) -> str:
    label = VERDICT_LABELS.get(run.verdict, run.verdict)
    code = f" (exit {run.exit_code})" if run.exit_code is not None else ""
    return f"{run.verdict.upper()}: {label}{code}"


def totals(run: RunRecord) -> list[tuple[str, str]]:
    """(label, value) rows for the head of a report."""
    rows = [
        ("Steps", f"{sum(s.ok for s in run.steps)} of {len(run.steps)} succeeded"),
        ("Attempts", str(run.attempts_total)),
        ("Time", seconds(run.seconds)),
        ("Actions found", str(len(run.actions))),
    ]
    if run.start_actions:
        rows.append(("Actions in the start policy", str(len(run.start_actions))))
    rows.append(("Flags", str(len(run.flags))))
    if run.resources or run.verify_resources:
        rows.append(("Resources", tiers.summary_text([*run.resources, *run.verify_resources])))
    for label, value in (
        ("Run", run.run_id),
        ("Deployer", run.deployer),
        ("Started", run.started_at),
        ("Output directory", str(run.directory)),
    ):
        if value:
            rows.append((label, value))
    return rows


def step_line(step: StepRecord, with_status: bool = True) -> str:
    plural = "s" if step.attempts != 1 else ""
    line = f"{step.attempts} attempt{plural} · {seconds(step.seconds)}"
    return f"{step.status} · {line}" if with_status else line


def flag_text(flag: dict[str, Any]) -> tuple[str, str, str]:
    """(action, resource, why and any other fields) of a guard flag."""
    action = str(flag.get("action", DASH))
    resource = str(flag.get("resource", DASH))
    rest = {k: v for k, v in flag.items() if k not in ("action", "resource")}
    main = str(rest.pop("risk", "") or rest.pop("why", "") or "")
    needed = rest.pop("needed_for", None)
    parts = [main.rstrip(".") + "." if main else ""]
    if needed:
        parts.append(f"Needed for: {_plain(needed)}.")
    parts += [f"{k.replace('_', ' ')}: {_plain(v)}" for k, v in rest.items()]
    return action, resource, " ".join(p for p in parts if p) or DASH


def policy_text(policy: dict[str, Any] | None) -> str:
    return json.dumps(policy, indent=2, ensure_ascii=False) if policy is not None else ""


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

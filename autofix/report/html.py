"""A run as one self-contained HTML page: inline CSS and SVG, no script, no network, all escaped.

Read top down in a minute: the verdict, a picture of the run, the flagged actions, each
step's actions with their evidence folded away, and the final policy with every statement
linked to the denials that justified it. The page is `templates/report.html.j2` (jinja2,
autoescaped) with `templates/report.css`; this module gives it the run's words.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from autofix.records.outcome import ResourceTier
from autofix.report import text, tiers
from autofix.report.jinja import environment, source
from autofix.report.model import ActionRecord, AttemptRecord, Proof, RunRecord, StepRecord
from autofix.report.policy_links import Statement, statement_of, statements
from autofix.report.run_chart import run_chart
from autofix.report.text import DASH

__all__ = ["CLIP", "render_html"]

CLIP = 160
"""Characters of evidence shown in a folded summary line."""

View = dict[str, Any]


def render_html(run: RunRecord) -> str:
    page = environment().get_template("report.html.j2")
    return page.render(view=_view(run), css=Markup(source("report.css")), dash=DASH)


def _view(run: RunRecord) -> View:
    policy = statements(run)
    longest = max((a.seconds or 0.0 for s in run.steps for a in s.attempt_log), default=0.0)
    return {
        "title": f"autofix report: {run.verdict}",
        "verdict": run.verdict,
        "verdict_line": text.verdict_line(run),
        "reason": run.reason if run.reason and not run.ok else None,
        "totals": text.totals(run),
        "notes": run.notes,
        "chart": Markup(run_chart(run)),
        "flags": [_flag(flag) for flag in run.flags],
        "tiers_intro": tiers.INTRO,
        "tiers_none": tiers.NONE_RECORDED,
        "resources": [_resource(r) for r in run.resources],
        "verify_resources": [_resource(r) for r in run.verify_resources],
        "steps": [_step(n, s, longest, policy) for n, s in enumerate(run.steps, start=1)],
        "policy_text": None if run.policy is None else text.policy_text(run.policy),
        "statements": [_statement(s) for s in policy],
    }


def _flag(flag: dict[str, Any]) -> View:
    risk = flag.get("risk", flag.get("why"))
    rest = [
        (key.replace("_", " "), _plain(value))
        for key, value in flag.items()
        if key not in ("action", "resource", "risk", "why")
    ]
    return {
        "action": str(flag.get("action", DASH)),
        "resource": str(flag.get("resource", DASH)),
        "risk": None if risk is None else _plain(risk),
        "rest": rest,
    }


def _resource(resource: ResourceTier) -> View:
    return {
        "tier": resource.tier,
        "step": resource.step or DASH,
        "logical_id": resource.logical_id,
        "type": resource.type,
        "pill": "ok" if resource.tier == "checked" else "unfinished",
        "detail": tiers.detail(resource) or DASH,
    }


def _step(number: int, step: StepRecord, longest: float, policy: tuple[Statement, ...]) -> View:
    return {
        "number": number,
        "name": step.name,
        "line": text.step_line(step),
        "meta": text.step_line(step, with_status=False),
        "status": step.status,
        "status_class": step.status.replace(" ", "-"),
        "command": step.command,
        "reason": step.reason,
        "actions": [
            _action(n, a, statement_of(policy, number, n))
            for n, a in enumerate(step.actions, start=1)
        ],
        "attempts": [_attempt(a, longest) for a in step.attempt_log],
        "unresolved": [_proof(p) for p in step.unresolved],
        "recoveries": [
            {
                "stack": r.stack,
                "status": r.status or "?",
                "attempt": _or_dash(r.attempt),
                "action": r.action or "",
                "detail": r.detail or "",
            }
            for r in step.recoveries
        ],
        "tail": step.tail if step.tail and not step.ok else None,
    }


def _action(number: int, action: ActionRecord, statement: Statement | None) -> View:
    return {
        "number": number,
        "action": action.action,
        "after_success": action.after_success,
        "resources": ", ".join(r for r in action.resources if r != "*"),
        "statement": None if statement is None else _statement(statement),
        "attempt": _or_dash(action.attempt),
        "proofs": [_proof(p) for p in action.proofs],
    }


def _proof(proof: Proof) -> View:
    evidence = proof.evidence or ""
    deny = f" · {proof.deny}" if proof.deny and proof.deny != "implicit" else ""
    return {
        "label": text.source_label(proof.source) + deny,
        "clip": " ".join(evidence.split())[:CLIP],
        "evidence": evidence,
        "deny_label": text.deny_label(proof.deny),
    }


def _attempt(attempt: AttemptRecord, longest: float) -> View:
    return {
        "number": attempt.number,
        "exit": "timed out" if attempt.timed_out else _or_dash(attempt.exit_code),
        "width": round(100 * (attempt.seconds or 0.0) / longest) if longest else 0,
        "seconds": text.seconds(attempt.seconds),
        "found": attempt.found,
    }


def _statement(statement: Statement) -> View:
    return {
        "number": statement.number,
        "name": f"statement {statement.number}" + (f" ({statement.sid})" if statement.sid else ""),
        "effect": statement.effect,
        "pill": "ok" if statement.effect == "Allow" else "failed",
        "actions": statement.actions,
        "resources": statement.resources,
        "justified_by": [
            {
                "step": found.step,
                "index": found.index,
                "action": found.record.action,
                "step_name": found.step_name,
                "attempt": _or_dash(found.record.attempt),
                "source": f" ({text.source_label(found.record.source)})"
                if found.record.proofs
                else "",
            }
            for found in statement.justified_by
        ],
    }


def _plain(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _or_dash(value: object) -> str:
    return DASH if value is None else str(value)

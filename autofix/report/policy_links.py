"""Which found actions justified each statement of the final policy.

A statement is justified by the actions a step first required that its `Action` list covers
(wildcards and case as IAM reads them); when both sides name resources, only the actions
granted on one of the statement's resources count.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from autofix.report.model import ActionRecord, RunRecord


@dataclass(frozen=True)
class Found:
    """One action a step first required: where it sits in the report."""

    step: int
    """1-based step number."""
    index: int
    """1-based row of the action in its step."""
    step_name: str
    record: ActionRecord


@dataclass(frozen=True)
class Statement:
    """One statement of the final policy and the found actions behind it."""

    number: int
    sid: str | None
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    justified_by: tuple[Found, ...]


def statements(run: RunRecord) -> tuple[Statement, ...]:
    """The policy's statements, each with the found actions that justified it."""
    if run.policy is None:
        return ()
    raw = run.policy.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    found = [
        Found(s, i, step.name, record)
        for s, step in enumerate(run.steps, start=1)
        for i, record in enumerate(step.actions, start=1)
    ]
    out = []
    for number, item in enumerate((i for i in items if isinstance(i, dict)), start=1):
        actions = _strings(item.get("Action"))
        resources = _strings(item.get("Resource"))
        by_action = [f for f in found if _covers(actions, (), f.record)]
        # resources rescoped after the grant match no longer: the actions alone then decide
        justified = tuple(
            [f for f in by_action if _covers(actions, resources, f.record)] or by_action
        )
        sid = item.get("Sid")
        effect = item.get("Effect")
        out.append(
            Statement(
                number,
                sid if isinstance(sid, str) else None,
                effect if isinstance(effect, str) else "?",
                actions,
                resources,
                justified,
            )
        )
    return tuple(out)


def statement_of(found: tuple[Statement, ...], step: int, index: int) -> Statement | None:
    """The first statement that a step's action row justified."""
    return next(
        (s for s in found for f in s.justified_by if (f.step, f.index) == (step, index)), None
    )


def _covers(actions: tuple[str, ...], resources: tuple[str, ...], record: ActionRecord) -> bool:
    name = record.action.lower()
    if not any(fnmatchcase(name, pattern.lower()) for pattern in actions):
        return False
    granted = [r for r in record.resources if r]
    if not granted or not resources:
        return True
    return any(fnmatchcase(g, r) or g == r for g in granted for r in resources)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()

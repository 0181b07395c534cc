"""How the embedded sandbox checked each resource, read back into the run's outcome.

The sandbox writes one line per resource and handler operation (`sandbox-coverage.jsonl`,
autofix/sandbox/records/coverage_log.py): `checked` (a property-aware rule),
`schema-bound` (a provider schema's whole handler list, with the actions it demanded) or
`unverified`; and, as before, one line per resource it could not check
(`sandbox-unverified.jsonl`, all an older output directory has), read as `unverified`.
A run lists them per step in summary.json (`resources`, `verify_resources`, and
`unverified` as it always was); `--strict` fails on `unverified`, `--strict-bounds` on
`schema-bound` too.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from autofix.errors import ExitCode
from autofix.records.event_lines import read_lines
from autofix.records.events import LedgerEvent, StepStart
from autofix.records.outcome import TIERS, ResourceTier, RunOutcome, Unverified
from autofix.sandbox.records import SandboxRecords, json_lines

__all__ = [
    "StepClock",
    "Strictness",
    "read_coverage",
    "read_verify_coverage",
    "unverified_of",
    "with_coverage",
]

_UNVERIFIED = "unverified"


class StepClock:
    """An event sink that remembers when each step started, to name a record's step."""

    def __init__(self, starts: Iterable[tuple[float, str]] = ()) -> None:
        self._starts: list[tuple[float, str]] = list(starts)
        """(epoch seconds, step name) of each step start, in order."""

    def __call__(self, event: LedgerEvent) -> None:
        if isinstance(event, StepStart):
            self._starts.append((time.time(), event.step))

    @classmethod
    def from_ledger(cls, ledger: Path) -> StepClock:
        """The step starts a ledger file records (a verify replay's own ledger)."""
        lines = read_lines(ledger)[0] if ledger.is_file() else []
        return cls(
            (when, line.event.step)
            for line in lines
            if isinstance(line.event, StepStart) and (when := _epoch(line.ts)) is not None
        )

    def step_at(self, when: float) -> str:
        started = [name for at, name in self._starts if at <= when]
        return started[-1] if started else (self._starts[0][1] if self._starts else "")


@dataclass(frozen=True)
class _Line:
    type: str
    logical_id: str
    stack: str
    step: str
    tier: str
    operation: str
    bound_actions: tuple[str, ...]
    why: str


def read_coverage(
    directory: Path, clock: StepClock, since: float = 0.0
) -> tuple[ResourceTier, ...]:
    """Per resource and step, how the sandbox whose records are in `directory` checked it
    (records written before `since`, epoch seconds, are another run's: left out)."""
    records = SandboxRecords(directory)
    lines = [_coverage_line(r, clock, since) for r in json_lines(records.coverage)]
    lines += [_unverified_line(r, clock, since) for r in json_lines(records.unverified)]
    return _per_resource(line for line in lines if line is not None)


def read_verify_coverage(verify_dir: Path, since: float) -> tuple[ResourceTier, ...]:
    """The same for every replay of the verify pass (`verify/<replay>/`) since `since`
    (a replay directory an earlier run left is not this run's), merged."""
    if not verify_dir.is_dir():
        return ()
    found: list[ResourceTier] = []
    for replay in sorted(p for p in verify_dir.iterdir() if p.is_dir()):
        clock = StepClock.from_ledger(replay / "ledger.jsonl")
        found += read_coverage(replay, clock, since)
    return _merged(found)


def unverified_of(resources: Iterable[ResourceTier]) -> tuple[Unverified, ...]:
    """The `unverified` entries of summary.json (their shape of old) among `resources`."""
    return tuple(
        Unverified(r.type, r.logical_id, r.step, r.why, r.stack)
        for r in resources
        if r.tier == _UNVERIFIED
    )


@dataclass(frozen=True)
class Strictness:
    """What makes a run that succeeded fail: `--strict`, `--strict-bounds`."""

    unverified: bool = False
    schema_bound: bool = False


def with_coverage(
    outcome: RunOutcome,
    resources: tuple[ResourceTier, ...],
    verify_resources: tuple[ResourceTier, ...],
    strict: Strictness,
) -> RunOutcome:
    """`outcome` listing the tiers; a success fails (exit 1) when `strict` says so."""
    outcome = replace(
        outcome,
        resources=resources,
        verify_resources=verify_resources,
        unverified=unverified_of(resources),
    )
    if not outcome.ok:
        return outcome
    both = [*resources, *verify_resources]
    unverified = {_identity(r) for r in both if r.tier == _UNVERIFIED}
    bound = {_identity(r) for r in both if r.tier == "schema-bound"} - unverified
    reason = None
    if (strict.unverified or strict.schema_bound) and unverified:
        reason = (
            f"--strict: {len(unverified)} resource(s) the sandbox could not check "
            "(see `resources` and `unverified` in summary.json)"
        )
    elif strict.schema_bound and bound:
        reason = (
            f"--strict-bounds: {len(bound)} resource(s) checked only against a provider "
            "schema's whole handler list (schema-bound: see `bound_actions` in summary.json)"
        )
    if reason is None:
        return outcome
    return replace(outcome, ok=False, exit_code=ExitCode.FAILED, reason=reason)


def _identity(resource: ResourceTier) -> tuple[str, str, str]:
    return (resource.stack, resource.logical_id, resource.type)


def _coverage_line(record: dict[str, Any], clock: StepClock, since: float) -> _Line | None:
    when = _epoch(record.get("time"))
    tier = record.get("tier")
    if when is None or when < since or tier not in TIERS:
        return None
    bound = record.get("bound_actions")
    return _Line(
        type=str(record.get("type", "")),
        logical_id=str(record.get("logical_id", "")),
        stack=str(record.get("stack", "")),
        step=clock.step_at(when),
        tier=str(tier),
        operation=str(record.get("operation", "")),
        bound_actions=tuple(str(a) for a in bound) if isinstance(bound, list) else (),
        why=str(record.get("why", "")),
    )


def _unverified_line(record: dict[str, Any], clock: StepClock, since: float) -> _Line | None:
    when = _epoch(record.get("time"))
    if when is None or when < since:
        return None
    return _Line(
        type=str(record.get("type", "")),
        logical_id=str(record.get("logical_id", "")),
        stack=str(record.get("stack", "")),
        step=clock.step_at(when),
        tier=_UNVERIFIED,
        operation="",
        bound_actions=(),
        why=str(record.get("why", "")),
    )


def _per_resource(lines: Iterable[_Line]) -> tuple[ResourceTier, ...]:
    """One entry per resource and step: its weakest tier, every bound action, each why."""
    return _merged(
        ResourceTier(
            line.type,
            line.logical_id,
            line.stack,
            line.step,
            line.tier,
            line.bound_actions,
            line.why,
            (line.operation,) if line.operation else (),
        )
        for line in lines
    )


def _merged(items: Iterable[ResourceTier]) -> tuple[ResourceTier, ...]:
    """Entries of the same resource and step as one (the weakest tier is the claim)."""
    merged: dict[tuple[str, str, str, str], ResourceTier] = {}
    for item in items:
        key = (item.stack, item.logical_id, item.type, item.step)
        had = merged.get(key)
        if had is None:
            merged[key] = item
            continue
        weaker, stronger = sorted((had, item), key=lambda r: TIERS.index(r.tier), reverse=True)
        whys = [weaker.why] if weaker.tier != stronger.tier else [had.why, item.why]
        merged[key] = replace(
            had,
            tier=weaker.tier,
            bound_actions=tuple(dict.fromkeys(had.bound_actions + item.bound_actions)),
            why="; ".join(dict.fromkeys(w for w in whys if w)),
            operations=tuple(dict.fromkeys(had.operations + item.operations)),
        )
    return tuple(merged.values())


def _epoch(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None

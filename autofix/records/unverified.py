"""Resources the embedded sandbox could not check, read back into the run's outcome.

The sandbox records each one (autofix/sandbox/records/unverified_log.py); a run
lists them in its output, its ledger and summary.json (`unverified`), and with
`--strict` fails when there are any: a deploy that touched them is not proven.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from autofix.errors import ExitCode
from autofix.records.events import LedgerEvent, StepStart
from autofix.records.outcome import RunOutcome, Unverified
from autofix.sandbox.records import SandboxRecords

__all__ = ["StepClock", "read_unverified", "with_unverified"]


class StepClock:
    """An event sink that remembers when each step started, to name a record's step."""

    def __init__(self) -> None:
        self._starts: list[tuple[float, str]] = []

    def __call__(self, event: LedgerEvent) -> None:
        if isinstance(event, StepStart):
            self._starts.append((time.time(), event.step))

    def step_at(self, when: float) -> str:
        started = [name for at, name in self._starts if at <= when]
        return started[-1] if started else (self._starts[0][1] if self._starts else "")


def read_unverified(deny_log: Path, clock: StepClock) -> tuple[Unverified, ...]:
    """The sandbox's unverified records beside `deny_log`, each with the step that ran then."""
    path = SandboxRecords.beside(deny_log).unverified
    if not path.exists():
        return ()
    found: list[Unverified] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            when = datetime.fromisoformat(record["time"]).timestamp()
        except (ValueError, KeyError, TypeError):
            continue  # a torn line
        found.append(
            Unverified(
                type=str(record.get("type", "")),
                logical_id=str(record.get("logical_id", "")),
                step=clock.step_at(when),
                why=str(record.get("why", "")),
                stack=str(record.get("stack", "")),
            )
        )
    return tuple(found)


def with_unverified(outcome: RunOutcome, found: tuple[Unverified, ...], strict: bool) -> RunOutcome:
    """`outcome` listing `found`; with `strict`, a success with any of them fails (exit 1)."""
    outcome = replace(outcome, unverified=found)
    if strict and found and outcome.ok:
        reason = (
            f"--strict: {len(found)} resource(s) the sandbox could not check "
            "(see `unverified` in summary.json)"
        )
        outcome = replace(outcome, ok=False, exit_code=ExitCode.FAILED, reason=reason)
    return outcome

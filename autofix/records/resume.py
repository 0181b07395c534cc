"""What an earlier run in an output directory got done, read back from its ledger.

Used three ways: `summary.json` for a run that stopped early (interrupted, killed,
sandbox gone) lists each step with the attempts that really ran; `run --resume OUT`
continues from the ledger and the saved policy; and a new run refuses a directory
whose run is unfinished, so nothing is silently overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from autofix.errors import ConfigError
from autofix.records.event_lines import read_lines
from autofix.records.events import (
    AttemptStart,
    GrantAdded,
    LedgerEvent,
    RunEnd,
    RunStart,
    StepFailedEvent,
    StepOk,
)
from autofix.records.outcome import RunOutcome, StepOutcome

INVOCATION = "run.json"
UNFINISHED_EXIT_CODES = frozenset({130, 143, 129, 4})
"""Exit codes of a run that stopped before its end: interrupted, terminated, sandbox gone."""


@dataclass(frozen=True)
class PriorRun:
    """The last run recorded in a ledger (all its resumed parts: one run id)."""

    run_id: str
    attempts_total: int
    steps: tuple[StepOutcome, ...]
    finished: bool
    """It reached its end (ok or a step that could not be made to succeed)."""
    ok: bool

    def step(self, name: str) -> StepOutcome | None:
        return next((s for s in self.steps if s.name == name), None)

    def done(self, name: str) -> bool:
        found = self.step(name)
        return found is not None and found.ok


def read_prior(ledger: Path) -> PriorRun | None:
    """The last run in `ledger`, or None when there is none."""
    if not ledger.is_file():
        return None
    lines, _ = read_lines(ledger)
    starts = [line for line in lines if isinstance(line.event, RunStart)]
    if not starts:
        return None
    run_id = str(starts[-1].run)
    mine = [line.event for line in lines if line.run == run_id]
    return PriorRun(
        run_id=run_id,
        attempts_total=sum(1 for e in mine if isinstance(e, AttemptStart)),
        steps=_steps(mine),
        finished=_finished(mine),
        ok=any(isinstance(e, RunEnd) and e.ok is True for e in mine),
    )


def _finished(events: list[LedgerEvent]) -> bool:
    ends = [e for e in events if isinstance(e, RunEnd)]
    return bool(ends) and ends[-1].exit_code not in UNFINISHED_EXIT_CODES


def _steps(events: list[LedgerEvent]) -> tuple[StepOutcome, ...]:
    attempts: dict[str, int] = {}
    actions: dict[str, list[str]] = {}
    ok: dict[str, bool] = {}
    reasons: dict[str, str | None] = {}
    for event in events:
        name = getattr(event, "step", None)
        if not isinstance(name, str):
            continue
        attempts.setdefault(name, 0)
        actions.setdefault(name, [])
        match event:
            case AttemptStart():
                attempts[name] += 1
            case GrantAdded() if event.new and event.action:
                if event.action not in actions[name]:
                    actions[name].append(event.action)
            case StepOk():
                ok[name], reasons[name] = True, None
            case StepFailedEvent():
                ok[name], reasons[name] = False, event.reason
    return tuple(
        StepOutcome(
            name, ok.get(name, False), attempts[name], tuple(actions[name]), 0.0, reasons.get(name)
        )
        for name in attempts
    )


def stopped_outcome(
    ledger: Path, exit_code: int, reason: str, partial: RunOutcome | None = None
) -> RunOutcome:
    """The outcome of a run that stopped early, its steps read from the ledger."""
    prior = read_prior(ledger)
    steps = prior.steps if prior else ()
    base = partial or RunOutcome(False, exit_code, (), 0, 0.0)
    return replace(
        base,
        ok=False,
        exit_code=exit_code,
        reason=reason,
        steps=steps,
        attempts_total=prior.attempts_total if prior else 0,
    )


def merged(prior: PriorRun, outcome: RunOutcome) -> RunOutcome:
    """A resumed run's outcome: the earlier steps' attempts and actions added in."""
    ran = {s.name: s for s in outcome.steps}
    pruned = {a.lower() for a in outcome.pruned}
    steps: list[StepOutcome] = []
    for before in prior.steps:
        now = ran.pop(before.name, None)
        if now is None:
            steps.append(before)
            continue
        actions = [a for a in before.actions if a.lower() not in pruned]
        actions += [a for a in now.actions if a not in actions]
        steps.append(replace(now, attempts=before.attempts + now.attempts, actions=tuple(actions)))
    steps.extend(ran.values())
    return replace(outcome, steps=tuple(steps))


def save_invocation(out_dir: Path, invocation: dict[str, Any]) -> None:
    """What `run --resume` needs to run the same steps again (config or command, options)."""
    from autofix.records.files import write_json_atomic

    write_json_atomic(out_dir / INVOCATION, invocation)


def load_invocation(out_dir: Path) -> dict[str, Any]:
    path = out_dir / INVOCATION
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"--resume {out_dir}: no {INVOCATION} there: not the output directory of a run"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not a saved run (expected a JSON object)")
    return data


def refuse_unfinished(out_dir: Path, ledger: Path) -> None:
    """A new run must not overwrite an unfinished one: exit 2 with how to go on."""
    prior = read_prior(ledger)
    if prior is None or prior.finished:
        return
    raise ConfigError(
        f"{out_dir} holds an unfinished run ({prior.attempts_total} attempts): "
        f"resume it with `autofix run --resume {out_dir}`, or remove the directory "
        "(or pass another --out) to start over"
    )


def to_resume(steps: Sequence[str], prior: PriorRun, fresh_account: bool) -> list[str]:
    """The steps a resumed run runs: all but those already ok.

    In a fresh embedded sandbox the account starts empty, so the steps that were ok
    are run again too (their grants are in the policy: one attempt each), since a later
    step may need what they created.
    """
    if fresh_account:
        return list(steps)
    return [s for s in steps if not prior.done(s)]

"""Assemble a RunRecord from a run's summary.json (raw JSON, the authority for verdicts and
each step's actions) and its ledger's typed lines (evidence, attempts, timings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from autofix.records.event_lines import LedgerLine
from autofix.records.events import (
    VERIFY,
    AttemptStart,
    CommandExit,
    DenialFound,
    GrantAdded,
    LedgerEvent,
    ResourceUnverified,
    RunEnd,
    RunInterrupted,
    RunStart,
    StackRecovered,
    StepFailedEvent,
    StepOk,
    StepStart,
    VerifyFailed,
    VerifyOk,
    VerifyStart,
)
from autofix.records.outcome import Unverified
from autofix.report import tiers
from autofix.report.model import (
    ActionRecord,
    AttemptRecord,
    Proof,
    Recovery,
    RunRecord,
    StepRecord,
    VerifyRecord,
)

E = TypeVar("E", bound=LedgerEvent)


@dataclass
class _StepLog:
    """What the ledger says about one step, gathered in one pass."""

    command: str | None = None
    started: str | None = None
    ended: str | None = None
    last_ts: str | None = None
    attempts: dict[int, AttemptRecord] = field(default_factory=dict)
    attempt_ts: dict[int, str] = field(default_factory=dict)
    denials: list[tuple[int | None, str | None, Proof]] = field(default_factory=list)
    grants: list[tuple[int | None, str, str | None, bool]] = field(default_factory=list)
    outcome: StepOk | StepFailedEvent | None = None
    recoveries: list[Recovery] = field(default_factory=list)


def assemble(
    directory: Path,
    summary: dict[str, Any] | None,
    lines: list[LedgerLine],
    policy: dict[str, Any] | None,
    notes: tuple[str, ...],
) -> RunRecord:
    first = _first(lines, RunStart)
    run_id = next((line.run for line in lines if line.event is first), None)
    logs = _step_logs(lines)
    origin = lines[0].ts if lines else None
    end = _first(lines, RunEnd)
    interrupted = _first(lines, RunInterrupted) is not None
    summary_steps = {
        _str(s.get("name")): s
        for s in _list(summary.get("steps") if summary else None)
        if isinstance(s, dict) and _str(s.get("name"))
    }
    names = list(dict.fromkeys([*(first.steps if first else []), *logs]))
    names += [n for n in summary_steps if n and n not in names]
    verdict = _verdict(summary, end, interrupted)
    steps = tuple(
        _step(name, summary_steps.get(name), logs.get(name), verdict, origin)
        for name in names
        if name
    )
    attempts_total, exit_code, reason = _totals(summary, end)
    if attempts_total is None:
        attempts_total = sum(1 for line in lines if isinstance(line.event, AttemptStart))
    seconds = _float(summary.get("seconds")) if summary else None
    if seconds is None and lines:
        seconds = _elapsed(lines[0].ts, lines[-1].ts)
    flags = tuple(
        f if isinstance(f, dict) else {"flag": str(f)}
        for f in _list(summary.get("flags") if summary else None)
    )
    logged = (
        Unverified(e.type, e.logical_id, e.step, e.why, e.stack)
        for e in (line.event for line in lines)
        if isinstance(e, ResourceUnverified)
    )
    resources, verify_resources = tiers.from_summary(summary, logged)
    return RunRecord(
        directory=directory,
        verdict=verdict,
        exit_code=exit_code,
        attempts_total=attempts_total,
        seconds=seconds,
        reason=reason or ("interrupted" if interrupted else None),
        steps=steps,
        policy=policy,
        flags=flags,
        run_id=run_id,
        deployer=first.deployer if first else None,
        start_actions=tuple(first.start_actions) if first else (),
        started_at=lines[0].ts if lines else None,
        ended_at=lines[-1].ts if lines else None,
        notes=notes,
        verify=_verify(lines, origin),
        resources=resources,
        verify_resources=verify_resources,
    )


def _totals(
    summary: dict[str, Any] | None, end: RunEnd | None
) -> tuple[int | None, int | None, str | None]:
    """(attempts_total, exit_code, reason) from the summary, else from the ledger's run_end."""
    if summary:
        return (
            _int(summary.get("attempts_total")),
            _int(summary.get("exit_code")),
            _str(summary.get("reason")),
        )
    if end is not None:
        return end.attempts_total, end.exit_code, end.reason
    return None, None, None


def _verify(lines: list[LedgerLine], origin: str | None) -> VerifyRecord | None:
    start = next((line for line in lines if isinstance(line.event, VerifyStart)), None)
    if start is None:
        return None
    end = next((line for line in lines if isinstance(line.event, VerifyOk | VerifyFailed)), None)
    return VerifyRecord(
        ok=None if end is None else isinstance(end.event, VerifyOk),
        started_at=_elapsed(origin, start.ts),
        seconds=_elapsed(start.ts, end.ts) if end else None,
        pruned=tuple(end.event.pruned) if end and isinstance(end.event, VerifyOk) else (),
    )


def _verdict(summary: dict[str, Any] | None, end: RunEnd | None, interrupted: bool) -> str:
    if summary is not None:
        ok, exit_code = summary.get("ok") is True, summary.get("exit_code")
    elif end is not None:
        ok, exit_code = end.ok is True, end.exit_code
    else:
        return "interrupted" if interrupted else "unfinished"
    if ok:
        return "succeeded"
    if interrupted or exit_code == 130:
        return "interrupted"
    return "failed"


def _step_logs(lines: list[LedgerLine]) -> dict[str, _StepLog]:
    logs: dict[str, _StepLog] = {}
    for line in lines:
        event = line.event
        name = getattr(event, "step", None)
        if not isinstance(name, str) or not name or getattr(event, "phase", None) == VERIFY:
            continue  # not a step's event, or the verify pass's replays
        log = logs.setdefault(name, _StepLog())
        log.last_ts = line.ts or log.last_ts
        match event:
            case StepStart():
                log.started = line.ts
                log.command = event.command
            case AttemptStart():
                log.attempts.setdefault(event.attempt, AttemptRecord(event.attempt, None, None))
                log.attempt_ts[event.attempt] = line.ts or ""
            case CommandExit():
                log.attempts[event.attempt] = AttemptRecord(
                    event.attempt, float(event.seconds), event.exit_code, event.timed_out
                )
            case DenialFound():
                proof = Proof(
                    source=event.source,
                    evidence=event.evidence,
                    deny=event.deny,
                    resource=event.resource,
                    principal=event.principal,
                )
                log.denials.append((event.attempt, event.action, proof))
            case GrantAdded() if event.action:
                log.grants.append((event.attempt, event.action, event.resource, event.new))
                source = event.source or ""
                if source.startswith("predicted"):  # --strategy predict: a prediction
                    why = "predicted, not denied (the verify replay prunes what goes unused)"
                    log.denials.append(
                        (event.attempt, event.action, Proof(source=source, evidence=why))
                    )
            case StepOk() | StepFailedEvent():
                log.outcome = event
                log.ended = line.ts
            case StackRecovered():
                log.recoveries.append(
                    Recovery(
                        event.attempt,
                        event.stack or "?",
                        event.status,
                        event.action,
                        event.detail,
                    )
                )
    return logs


def _step(
    name: str,
    summary: dict[str, Any] | None,
    log: _StepLog | None,
    verdict: str,
    origin: str | None,
) -> StepRecord:
    log = log or _StepLog()
    outcome = log.outcome
    ok_event = outcome if isinstance(outcome, StepOk) else None
    failed = outcome if isinstance(outcome, StepFailedEvent) else None
    status = _status(summary, log, verdict)
    if summary is not None:
        action_names = _strs(summary.get("actions"))
    elif ok_event is not None:
        action_names = [a for a in ok_event.actions if isinstance(a, str)]
    else:
        action_names = list(dict.fromkeys(a for _, a, _, new in log.grants if new))
    late = {a.lower() for a in (ok_event.granted_after_success if ok_event else [])}
    actions = tuple(_action(a, log, a.lower() in late) for a in action_names)
    attempt_log = tuple(
        AttemptRecord(
            record.number,
            record.seconds,
            record.exit_code,
            record.timed_out,
            tuple(a.action for a in actions if a.attempt == record.number),
            _elapsed(origin, log.attempt_ts.get(record.number)),
        )
        for _, record in sorted(log.attempts.items())
    )
    attempts = _int(summary.get("attempts")) if summary else None
    if attempts is None:
        attempts = (outcome.attempts if outcome else None) or len(log.attempts)
    seconds = _float(summary.get("seconds")) if summary else None
    if seconds is None:
        seconds = _elapsed(log.started, log.ended or log.last_ts)
    granted = {g[1].lower() for g in log.grants}
    unresolved: tuple[Proof, ...] = ()
    if status != "ok" and log.denials:
        last = max((a for a, _, _ in log.denials if a is not None), default=None)
        unresolved = tuple(
            proof
            for attempt, action, proof in log.denials
            if attempt == last and (action is None or action.lower() not in granted)
        )
    return StepRecord(
        name=name,
        status=status,
        attempts=attempts,
        seconds=seconds,
        actions=actions,
        attempt_log=attempt_log,
        command=log.command,
        reason=_str(summary.get("reason")) if summary else (failed.reason if failed else None),
        exit_code=failed.exit_code if failed else None,
        tail=failed.tail if failed else None,
        unresolved=unresolved,
        recoveries=tuple(log.recoveries),
    )


def _status(summary: dict[str, Any] | None, log: _StepLog, verdict: str) -> str:
    if summary is not None:
        return "ok" if summary.get("ok") is True else "failed"
    if log.outcome is not None:
        return "ok" if isinstance(log.outcome, StepOk) else "failed"
    if log.started is None and not log.attempts:
        return "not reached"
    return "interrupted" if verdict == "interrupted" else "unfinished"


def _action(action: str, log: _StepLog, after_success: bool) -> ActionRecord:
    key = action.lower()
    grants = [g for g in log.grants if g[1].lower() == key]
    attempt = grants[0][0] if grants else None
    resources = tuple(dict.fromkeys(r for _, _, r, _ in grants if r))
    matching = [(a, p) for a, name, p in log.denials if name and name.lower() == key]
    proofs = [p for a, p in matching if a == attempt] or [p for _, p in matching]
    if attempt is None and matching:
        attempt = matching[0][0]
    return ActionRecord(action, attempt, resources, tuple(proofs), after_success)


# -- tolerant field access --------------------------------------------------------------


def _first(lines: list[LedgerLine], kind: type[E]) -> E | None:
    return next((line.event for line in lines if isinstance(line.event, kind)), None)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strs(value: Any) -> list[str]:
    return [v for v in _list(value) if isinstance(v, str)]


def _elapsed(start: Any, end: Any) -> float | None:
    try:
        begin = datetime.fromisoformat(str(start))
        finish = datetime.fromisoformat(str(end))
    except ValueError:
        return None
    return round((finish - begin).total_seconds(), 2)

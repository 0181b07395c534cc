"""Read a run's output directory (summary.json, ledger.jsonl, policy.json) into a RunRecord.

summary.json is the authority for verdicts and each step's actions; the ledger adds the
evidence, attempts and timings. A run killed before it wrote its summary is rebuilt from the
ledger alone. A torn last ledger line and unknown events or fields are skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from autofix.errors import ConfigError
from autofix.report.model import (
    ActionRecord,
    AttemptRecord,
    Proof,
    Recovery,
    RunRecord,
    StepRecord,
    VerifyRecord,
)

SUMMARY = "summary.json"
LEDGER = "ledger.jsonl"
POLICY = "policy.json"

Event = dict[str, Any]


def read_json_file(path: Path, what: str) -> Any:
    """Parsed JSON of `path`; one-line ConfigError when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: {what} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
            f"at offset {exc.start})"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: {what} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None


def read_events(path: Path) -> tuple[list[Event], int]:
    """The events of the last run in a ledger, and how many unreadable lines were skipped."""
    events: list[Event] = []
    skipped = 0
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the ledger: {exc.strerror}") from None
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            skipped += 1
            continue
        if isinstance(event, dict) and isinstance(event.get("event"), str):
            events.append(event)
        else:
            skipped += 1
    starts = [i for i, e in enumerate(events) if e["event"] == "run_start"]
    return (events[starts[-1] :] if starts else events), skipped


def load_run(directory: Path) -> RunRecord:
    """The run recorded in `directory`; ConfigError when it holds no run at all."""
    if not directory.is_dir():
        what = "not a directory" if directory.exists() else "no such directory"
        raise ConfigError(f"{directory}: {what} (expected a run's output directory)")
    summary_path, ledger_path, policy_path = (directory / n for n in (SUMMARY, LEDGER, POLICY))
    if not any(p.is_file() for p in (summary_path, ledger_path, policy_path)):
        raise ConfigError(
            f"{directory}: no {SUMMARY}, {LEDGER} or {POLICY}: not an autofix output directory"
        )
    notes: list[str] = []
    summary: dict[str, Any] | None = None
    if summary_path.is_file():
        loaded = read_json_file(summary_path, "the run summary")
        if not isinstance(loaded, dict):
            raise ConfigError(f"{summary_path}: not a run summary (expected a JSON object)")
        summary = loaded
    else:
        notes.append(f"{SUMMARY} is missing: the run did not finish; rebuilt from the ledger")
    events: list[Event] = []
    if ledger_path.is_file():
        events, skipped = read_events(ledger_path)
        if skipped:
            notes.append(f"skipped {skipped} unreadable ledger line(s) (a torn write?)")
    else:
        notes.append(f"{LEDGER} is missing: no evidence or timings per action")
    policy: dict[str, Any] | None = None
    if policy_path.is_file():
        loaded = read_json_file(policy_path, "the policy")
        if not isinstance(loaded, dict):
            raise ConfigError(f"{policy_path}: not a policy document (expected a JSON object)")
        policy = loaded
    else:
        notes.append(f"{POLICY} is missing")
    return _assemble(directory, summary, events, policy, tuple(notes))


# -- assembling -----------------------------------------------------------------------


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
    outcome: Event | None = None
    recoveries: list[Recovery] = field(default_factory=list)


def _assemble(
    directory: Path,
    summary: dict[str, Any] | None,
    events: list[Event],
    policy: dict[str, Any] | None,
    notes: tuple[str, ...],
) -> RunRecord:
    first = _first(events, "run_start")
    run_id = _str(first.get("run")) if first else None
    logs = _step_logs(events, run_id)
    origin = _str(events[0].get("ts")) if events else None
    end = _first(events, "run_end")
    interrupted = _first(events, "run_interrupted") is not None
    summary_steps = {
        _str(s.get("name")): s
        for s in _list(summary.get("steps") if summary else None)
        if isinstance(s, dict) and _str(s.get("name"))
    }
    names = list(dict.fromkeys([*_strs(first.get("steps") if first else None), *logs]))
    names += [n for n in summary_steps if n and n not in names]
    verdict = _verdict(summary, end, interrupted)
    steps = tuple(
        _step(name, summary_steps.get(name), logs.get(name), verdict, origin)
        for name in names
        if name
    )
    source: dict[str, Any] = summary or end or {}
    attempts_total = _int(source.get("attempts_total"))
    if attempts_total is None:
        attempts_total = sum(1 for e in events if e["event"] == "attempt_start")
    seconds = _float(summary.get("seconds")) if summary else None
    if seconds is None and events:
        seconds = _elapsed(events[0].get("ts"), events[-1].get("ts"))
    flags = tuple(
        f if isinstance(f, dict) else {"flag": str(f)}
        for f in _list(summary.get("flags") if summary else None)
    )
    return RunRecord(
        directory=directory,
        verdict=verdict,
        exit_code=_int(source.get("exit_code")),
        attempts_total=attempts_total,
        seconds=seconds,
        reason=_str(source.get("reason")) or ("interrupted" if interrupted else None),
        steps=steps,
        policy=policy,
        flags=flags,
        run_id=run_id,
        deployer=_str(first.get("deployer")) if first else None,
        start_actions=tuple(_strs(first.get("start_actions"))) if first else (),
        started_at=_str(events[0].get("ts")) if events else None,
        ended_at=_str(events[-1].get("ts")) if events else None,
        notes=notes,
        verify=_verify(events, origin),
    )


def _verify(events: list[Event], origin: str | None) -> VerifyRecord | None:
    start = _first(events, "verify_start")
    if start is None:
        return None
    end = next((e for e in events if e["event"] in ("verify_ok", "verify_failed")), None)
    return VerifyRecord(
        ok=None if end is None else end["event"] == "verify_ok",
        started_at=_elapsed(origin, start.get("ts")),
        seconds=_elapsed(start.get("ts"), end.get("ts")) if end else None,
        pruned=tuple(_strs(end.get("pruned"))) if end else (),
    )


def _verdict(summary: dict[str, Any] | None, end: Event | None, interrupted: bool) -> str:
    final = summary if summary is not None else end
    if final is None:
        return "interrupted" if interrupted else "unfinished"
    if final.get("ok") is True:
        return "succeeded"
    if interrupted or final.get("exit_code") == 130:
        return "interrupted"
    return "failed"


def _step_logs(events: list[Event], run_id: str | None) -> dict[str, _StepLog]:
    logs: dict[str, _StepLog] = {}
    for event in events:
        name = _str(event.get("step"))
        if not name or event.get("phase") == "verify":  # the verify pass's replays
            continue
        log = logs.setdefault(name, _StepLog())
        kind = event["event"]
        attempt = _int(event.get("attempt"))
        log.last_ts = _str(event.get("ts")) or log.last_ts
        if kind == "step_start":
            log.started = _str(event.get("ts"))
            command = event.get("command")
            if command is None and event.get("run") != run_id:
                command = event.get("run")  # early ledgers put the command under "run"
            log.command = _str(command)
        elif kind == "attempt_start" and attempt is not None:
            log.attempts.setdefault(attempt, AttemptRecord(attempt, None, None))
            log.attempt_ts[attempt] = _str(event.get("ts")) or ""
        elif kind == "command_exit" and attempt is not None:
            log.attempts[attempt] = AttemptRecord(
                attempt,
                _float(event.get("seconds")),
                _int(event.get("exit_code")),
                event.get("timed_out") is True,
            )
        elif kind == "denial_found":
            proof = Proof(
                source=_str(event.get("source")),
                evidence=_str(event.get("evidence")),
                deny=_str(event.get("deny")),
                resource=_str(event.get("resource")),
                principal=_str(event.get("principal")),
            )
            log.denials.append((attempt, _str(event.get("action")), proof))
        elif kind == "grant_added" and _str(event.get("action")):
            action = _str(event.get("action")) or ""
            log.grants.append(
                (attempt, action, _str(event.get("resource")), event.get("new") is not False)
            )
            source = _str(event.get("source")) or ""
            if source.startswith("predicted"):  # --strategy predict: no denial, a prediction
                why = "predicted, not denied (the verify replay prunes what goes unused)"
                log.denials.append((attempt, action, Proof(source=source, evidence=why)))
        elif kind in ("step_ok", "step_failed"):
            log.outcome = event
            log.ended = _str(event.get("ts"))
        elif kind == "stack_recovered":
            log.recoveries.append(
                Recovery(
                    attempt,
                    _str(event.get("stack")) or "?",
                    _str(event.get("status")),
                    _str(event.get("action")),
                    _str(event.get("detail")),
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
    outcome = log.outcome or {}
    status = _status(summary, log, verdict)
    if summary is not None:
        action_names = _strs(summary.get("actions"))
    elif log.outcome is not None and "actions" in outcome:
        action_names = _strs(outcome.get("actions"))
    else:
        action_names = list(dict.fromkeys(a for _, a, _, new in log.grants if new))
    late = {a.lower() for a in _strs(outcome.get("granted_after_success"))}
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
        attempts = _int(outcome.get("attempts")) or len(log.attempts)
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
        reason=_str(summary.get("reason")) if summary else _str(outcome.get("reason")),
        exit_code=_int(outcome.get("exit_code")),
        tail=_str(outcome.get("tail")),
        unresolved=unresolved,
        recoveries=tuple(log.recoveries),
    )


def _status(summary: dict[str, Any] | None, log: _StepLog, verdict: str) -> str:
    if summary is not None:
        return "ok" if summary.get("ok") is True else "failed"
    if log.outcome is not None:
        return "ok" if log.outcome["event"] == "step_ok" else "failed"
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


def _first(events: list[Event], kind: str) -> Event | None:
    return next((e for e in events if e["event"] == kind), None)


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

"""Read a run's output directory (summary.json, ledger.jsonl, policy.json) into a RunRecord.

summary.json is the authority for verdicts and each step's actions; the ledger adds the
evidence, attempts and timings. A run killed before it wrote its summary is rebuilt from the
ledger alone. The ledger is read as typed events (`autofix.records.event_lines`): a torn or
malformed line is skipped and noted, unknown events and fields are ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autofix.errors import ConfigError
from autofix.records.event_lines import LedgerLine, last_run, read_lines
from autofix.report.assemble import assemble
from autofix.report.model import RunRecord

SUMMARY = "summary.json"
LEDGER = "ledger.jsonl"
POLICY = "policy.json"


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


def read_events(path: Path) -> tuple[list[LedgerLine], int]:
    """The typed lines of the last run in a ledger, and how many unreadable lines were skipped
    (the reading rules, schema 1 included, are `autofix.records.event_lines`)."""
    try:
        lines, skipped = read_lines(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the ledger: {exc.strerror}") from None
    return last_run(lines), skipped


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
    summary = _json_object(summary_path, "the run summary", "a run summary")
    if summary is None:
        notes.append(f"{SUMMARY} is missing: the run did not finish; rebuilt from the ledger")
    events: list[LedgerLine] = []
    if ledger_path.is_file():
        events, skipped = read_events(ledger_path)
        if skipped:
            notes.append(f"skipped {skipped} unreadable ledger line(s) (a torn write?)")
    else:
        notes.append(f"{LEDGER} is missing: no evidence or timings per action")
    policy = _json_object(policy_path, "the policy", "a policy document")
    if policy is None:
        notes.append(f"{POLICY} is missing")
    return assemble(directory, summary, events, policy, tuple(notes))


def _json_object(path: Path, what: str, kind: str) -> dict[str, Any] | None:
    """The JSON object in `path`, None when there is no such file."""
    if not path.is_file():
        return None
    loaded = read_json_file(path, what)
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: not {kind} (expected a JSON object)")
    return loaded

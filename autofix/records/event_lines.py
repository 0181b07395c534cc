"""One place where a ledger line becomes a typed event (`autofix.records.events`).

A line is `{"event": KIND, "schema": N, "ts": ..., "run": ..., **fields}`. Reading rules,
the same for every reader (the report, resume, the tests):

- unknown kinds and unknown fields are ignored (a newer autofix wrote them);
- a line that is not JSON, lacks a field its kind requires, or has a field of the wrong
  JSON type is unreadable: the reader skips it (a torn last line, a hand edit);
- schema 1 (no `schema` field, before typed events): the same kinds and field names, no
  `phase` (every event is the discovery pass's); a `step_start` without `command` is from
  the earliest ledgers, which wrote the command under `run`, over the run id.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autofix.records.events import EVENT_TYPES, LedgerEvent, StepStart

_ENVELOPE = frozenset({"event", "schema", "ts", "run", "level"})


@dataclass(frozen=True)
class LedgerLine:
    """A typed event with its envelope: when it was written, by which run, in which schema."""

    event: LedgerEvent
    ts: str | None
    run: str | None
    schema: int


def parse_line(text: str) -> LedgerLine | None:
    """The typed event of one ledger line; None when the line is unreadable or unknown."""
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return parse_record(record)


def parse_record(record: object) -> LedgerLine | None:
    """A parsed JSON ledger line as its typed event; None when it cannot be one."""
    if not isinstance(record, dict):
        return None
    kind = record.get("event")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        return None
    schema = record.get("schema", 1)
    run = record.get("run")
    fields = {k: v for k, v in record.items() if k not in _ENVELOPE}
    if kind == StepStart.kind and "schema" not in record and "command" not in fields:
        fields["command"], run = run, None  # the earliest ledgers: the command under `run`
    cls = EVENT_TYPES[kind]
    hints = _field_types(cls)
    known = {k: v for k, v in fields.items() if k in hints}
    if not all(_fits(value, hints[name]) for name, value in known.items()):
        return None
    try:
        event = cls(**known)
    except TypeError:  # a required field is missing
        return None
    ts = record.get("ts")
    return LedgerLine(
        event,
        ts if isinstance(ts, str) else None,
        run if isinstance(run, str) else None,
        schema if isinstance(schema, int) and not isinstance(schema, bool) else 1,
    )


def read_lines(path: Path) -> tuple[list[LedgerLine], int]:
    """Every readable line of a ledger file (OSError if it cannot be read), and how many
    non-blank lines were unreadable; lines of an unknown kind are ignored, not counted."""
    lines: list[LedgerLine] = []
    skipped = 0
    for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except ValueError:
            skipped += 1
            continue
        line = parse_record(record)
        if line is not None:
            lines.append(line)
        elif not _unknown_kind(record):
            skipped += 1
    return lines, skipped


def _unknown_kind(record: object) -> bool:
    return (
        isinstance(record, dict)
        and isinstance(record.get("event"), str)
        and record["event"] not in EVENT_TYPES
    )


def iter_events(path: Path) -> Iterator[LedgerEvent]:
    """The typed events of a ledger file, unreadable lines skipped."""
    for line in read_lines(path)[0]:
        yield line.event


def last_run(lines: list[LedgerLine]) -> list[LedgerLine]:
    """The lines from the last `run_start` on (the whole file when there is none)."""
    starts = [i for i, line in enumerate(lines) if line.event.kind == "run_start"]
    return lines[starts[-1] :] if starts else lines


# -- checking a JSON value against a field's annotation ----------------------------------


_FIELD_TYPES: dict[str, dict[str, Any]] = {}


def _field_types(cls: type[LedgerEvent]) -> dict[str, Any]:
    """Each field's annotation (resolved once per kind)."""
    if cls.kind not in _FIELD_TYPES:
        hints = typing.get_type_hints(cls)
        _FIELD_TYPES[cls.kind] = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    return _FIELD_TYPES[cls.kind]


def _fits(value: object, annotation: Any) -> bool:
    """Whether a JSON value can stand for a field annotated `annotation`."""
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        return any(_fits(value, arm) for arm in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if annotation is Any:
        return True
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return isinstance(value, list) and all(_fits(v, item) for v in value)
    if origin is dict:
        key, item = typing.get_args(annotation)
        return isinstance(value, dict) and all(
            _fits(k, key) and _fits(v, item) for k, v in value.items()
        )
    return False

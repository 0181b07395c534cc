"""The ledger: one structlog JSON line per typed event, flushed as written.

Every line is complete on its own, so an interrupted run leaves a readable ledger;
`autofix.records.event_lines` reads it back as typed events.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import structlog

from autofix import untrusted
from autofix.records.events import SCHEMA_VERSION, LedgerEvent, from_fields
from autofix.untrusted.files import open_no_follow

EventSink = Callable[[LedgerEvent], None]


class Ledger:
    """Append-only JSON lines: `{"event": ..., "schema": ..., "ts": ..., "run": ..., ...}`."""

    def __init__(self, path: Path, run_id: str, append: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: TextIO = open_no_follow(path, append)
        if append and self._file.tell() > 0 and not _ends_with_newline(path):
            self._file.write("\n")  # after a torn last line (a killed run), start afresh
        self._log = structlog.wrap_logger(
            structlog.PrintLogger(self._file),
            processors=[
                structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
                structlog.processors.dict_tracebacks,
                structlog.processors.JSONRenderer(default=str),
            ],
            context_class=dict,
            cache_logger_on_first_use=True,
        ).bind(run=run_id)

    def __call__(self, event: LedgerEvent) -> None:
        self._log.msg(event.kind, schema=SCHEMA_VERSION, **untrusted.clean_fields(event.fields()))

    def close(self) -> None:
        self._file.close()


class Events:
    """Fans each event out to every sink (the ledger, the console)."""

    def __init__(self, *sinks: EventSink) -> None:
        self._sinks = list(sinks)

    def add(self, sink: EventSink) -> None:
        self._sinks.append(sink)

    def emit(self, event: LedgerEvent | str, **fields: Any) -> None:
        """Send `event` to every sink; `emit("kind", **fields)` builds the typed event."""
        typed = from_fields(event, fields) if isinstance(event, str) else event
        for sink in self._sinks:
            sink(typed)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"

"""The ledger: one structlog JSON line per thing that happened, flushed as written.

Every line is complete on its own, so an interrupted run leaves a readable ledger.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import structlog

EventSink = Callable[[str, dict[str, Any]], None]


class Ledger:
    """Append-only JSON lines: `{"event": ..., "ts": ..., "run": ..., ...}`."""

    def __init__(self, path: Path, run_id: str, append: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: TextIO = path.open("a" if append else "w", encoding="utf-8", buffering=1)
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

    def __call__(self, event: str, fields: dict[str, Any]) -> None:
        self._log.msg(event, **fields)

    def close(self) -> None:
        self._file.close()


class Events:
    """Fans each event out to every sink (the ledger, the console)."""

    def __init__(self, *sinks: EventSink) -> None:
        self._sinks = list(sinks)

    def add(self, sink: EventSink) -> None:
        self._sinks.append(sink)

    def emit(self, event: str, **fields: Any) -> None:
        for sink in self._sinks:
            sink(event, fields)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


def read_ledger(path: Path) -> Iterator[dict[str, Any]]:
    """The events of a ledger file; a torn last line (a killed process) is skipped."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue

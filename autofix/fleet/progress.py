"""Progress a person can follow: each service's step, attempt and actions so far, read from
its ledger as the child writes it; live lines in a terminal, plain lines in a CI log."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from autofix.records.event_lines import parse_line
from autofix.records.events import (
    DISCOVER,
    AttemptStart,
    GrantAdded,
    GrantPruned,
    RunStart,
    StepStart,
    VerifyStart,
)

__all__ = ["Display", "LedgerFollower", "Live", "plain_output"]


@dataclass(frozen=True)
class Live:
    """Where one service is: `state` is queued, running, or its end (ok, failed, ...)."""

    state: str = "queued"
    step: str = ""
    index: int = 0
    of: int = 0
    attempt: int = 0
    actions: int = 0
    phase: str = DISCOVER

    def describe(self) -> str:
        if self.state == "queued":
            return "queued"
        if self.state != "running":
            return f"{self.state} · {self.actions} actions"
        if not self.step:
            return "starting"
        where = "verify · " if self.phase != DISCOVER else ""
        attempt = f" · attempt {self.attempt}" if self.attempt else ""
        return f"{where}{self.step} ({self.index}/{self.of}){attempt} · {self.actions} actions"


class LedgerFollower:
    """Reads the lines a child appends to its ledger, from where it left off."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._pending = b""
        self._granted: set[str] = set()
        self.live = Live(state="running")

    def poll(self) -> Live:
        try:
            with self.path.open("rb") as handle:
                if handle.seek(0, os.SEEK_END) < self._offset:  # rewritten: a new run
                    self._offset, self._pending, self._granted = 0, b"", set()
                handle.seek(self._offset)
                chunk = handle.read()
                self._offset = handle.tell()
        except OSError:
            return self.live
        *complete, self._pending = (self._pending + chunk).split(b"\n")
        for raw in complete:
            line = parse_line(raw.decode("utf-8", errors="replace"))
            if line is not None:
                self._apply(line.event)
        return self.live

    def _apply(self, event: object) -> None:
        live = self.live
        match event:
            case RunStart(start_actions=start):
                self._granted = set(start)
            case StepStart(step=step, index=index, of=of, phase=phase):
                live = replace(live, step=step, index=index, of=of, attempt=0, phase=phase)
            case AttemptStart(attempt=attempt):
                live = replace(live, attempt=attempt)
            case GrantAdded(action=action):
                self._granted.add(action)
            case GrantPruned(action=action, resource=None):  # a whole action, not a pattern
                self._granted.discard(action)
            case VerifyStart():
                live = replace(live, phase="verify", step="", attempt=0)
        self.live = replace(live, actions=len(self._granted))


def plain_output(stream: TextIO) -> bool:
    """Plain lines (no cursor movement): in CI, or when the output is not a terminal."""
    if os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return True
    return not (hasattr(stream, "isatty") and stream.isatty()) or os.environ.get("TERM") == "dumb"


class Display:
    """One line per service: redrawn in place in a terminal; in plain mode, a line is printed
    when a service's step or state changes (not every attempt, to keep a CI log short)."""

    def __init__(self, names: list[str], stream: TextIO, plain: bool) -> None:
        self._names = names
        self._stream = stream
        self._plain = plain
        self._width = max((len(n) for n in names), default=0)
        self._shown: dict[str, Live] = {}
        self._current: dict[str, Live] = {n: Live() for n in names}
        self._drawn = 0

    def update(self, name: str, live: Live) -> None:
        self._current[name] = live

    def refresh(self) -> None:
        if self._plain:
            for name in self._names:
                live, before = self._current[name], self._shown.get(name)
                if live.state == "queued" or not _changed_enough(before, live):
                    continue
                self._shown[name] = live
                self._stream.write(f"{name.ljust(self._width)}  {live.describe()}\n")
            self._stream.flush()
            return
        columns = shutil.get_terminal_size((100, 20)).columns
        lines = [
            f"{n.ljust(self._width)}  {self._current[n].describe()}"[: columns - 1]
            for n in self._names
        ]
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        self._stream.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self._stream.flush()
        self._drawn = len(lines)

    def say(self, text: str) -> None:
        """A line above the live block (the block is drawn again below it)."""
        if not self._plain and self._drawn:
            self._stream.write(f"\x1b[{self._drawn}F\x1b[J")
            self._drawn = 0
        self._stream.write(text + "\n")
        self.refresh()


def _changed_enough(before: Live | None, now: Live) -> bool:
    if before is None:
        return True
    return (before.state, before.step, before.phase) != (now.state, now.step, now.phase)

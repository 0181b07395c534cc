"""One step command at a time per service directory, across autofix runs.

Deploy tools build in the service directory (`sls deploy` packages into `.serverless/`, then
uploads from it): two runs deploying from one directory at once, each with its own `--out`,
delete each other's artifacts mid-upload. Each step command holds an `flock` on its working
directory while it runs; a second run waits for its turn, after saying so. The lock is on the
directory itself (nothing is written into the user's service), the kernel drops it when the
holder exits however it exits, and it is held for one command only, so two runs of one
service take turns step by step instead of one being refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from autofix.errors import ConfigError

__all__ = ["POLL_SECONDS", "take_turn"]

POLL_SECONDS = 0.5
Notice = Callable[[float, str], None]
"""Told (at most seconds, why) once, when the turn has to be waited for."""


@contextlib.contextmanager
def take_turn(directory: Path, wait_seconds: float, notice: Notice) -> Iterator[None]:
    """Hold `directory`'s turn while inside; wait up to `wait_seconds` for it, else ConfigError."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # no directory to lock: the step itself will say what is wrong
        yield
        return
    try:
        _acquire(fd, directory, wait_seconds, notice)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _acquire(fd: int, directory: Path, wait_seconds: float, notice: Notice) -> None:
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if not told:
            notice(
                wait_seconds,
                f"the most it waits for another autofix run's step in {directory} to finish "
                "(one step at a time per service directory)",
            )
            told = True
        if time.monotonic() >= deadline:
            raise ConfigError(
                f"{directory}: another autofix run kept a step running there for "
                f"{wait_seconds:g} s; wait for it to finish and run again"
            )
        time.sleep(POLL_SECONDS)

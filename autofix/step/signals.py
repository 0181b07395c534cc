"""Stopping a run: Ctrl-C, SIGTERM (CI cancel, `timeout`, `docker stop`) and SIGHUP.

The first signal raises a KeyboardInterrupt (`Terminated` for SIGTERM and SIGHUP), so every
path that keeps the policy, the ledger and the summary intact runs its cleanup; the process
then exits with 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM), as a shell
reports it.

That cleanup is bounded. A second Ctrl-C ends the process at once, and so does the cleanup
outlasting `FORCE_AFTER_SECONDS`: what is on disk is then what a SIGKILL leaves, which the
run survives (the ledger is flushed line by line, the JSON files are replaced atomically, and
`run --resume` continues). The children end with it: each step's group is stopped by the
reaper's watchdog, and the sandbox server stops at the end of its input.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

from autofix.errors import exit_at_once

INTERRUPTED = 130  # 128 + SIGINT
FORCE_AFTER_SECONDS = 30.0
_HANDLED = (signal.SIGTERM, signal.SIGHUP)
_at_force: list[Callable[[], None]] = []
_deadline: list[threading.Timer] = []


class Terminated(KeyboardInterrupt):
    """Stopped by a signal other than SIGINT."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def install(force_after: float = FORCE_AFTER_SECONDS) -> None:
    """Ctrl-C, SIGTERM and SIGHUP stop the run in the main thread, within `force_after`."""

    def terminated(signum: int, _frame: FrameType | None) -> None:
        for handled in _HANDLED:  # a second SIGTERM (a supervisor repeating itself) waits
            signal.signal(handled, signal.SIG_IGN)
        _arm(force_after, 128 + signum)
        raise Terminated(signum)

    def interrupted(_signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, forced)
        _arm(force_after, INTERRUPTED)
        raise KeyboardInterrupt

    def forced(_signum: int, _frame: FrameType | None) -> None:
        force(INTERRUPTED, "interrupted again: stopped at once")

    for signum in _HANDLED:
        signal.signal(signum, terminated)
    signal.signal(signal.SIGINT, interrupted)


def disarm() -> None:
    """The caller bounds its own stop (the fleet waits for its children): no deadline."""
    while _deadline:
        _deadline.pop().cancel()


def at_force(callback: Callable[[], None]) -> None:
    """Run `callback` (quick, no I/O that can block) before a forced exit."""
    _at_force.append(callback)


def force(code: int, why: str) -> None:
    """End the process now: `why` on stderr, the `at_force` callbacks, no teardown."""
    with contextlib.suppress(OSError):
        os.write(2, f"\n{why}: policy.json and the ledger are as last written\n".encode())
    for callback in _at_force:
        with contextlib.suppress(Exception):
            callback()
    exit_at_once(code)


def exit_code(exc: BaseException) -> int:
    """The exit status for an interruption: 130 for Ctrl-C, 143 for SIGTERM, ..."""
    return 128 + exc.signum if isinstance(exc, Terminated) else INTERRUPTED


def _arm(seconds: float, code: int) -> None:
    if _deadline:
        return
    why = f"stopping took over {seconds:g} s: stopped at once"
    timer = threading.Timer(seconds, force, args=(code, why))
    timer.daemon = True
    _deadline.append(timer)
    timer.start()

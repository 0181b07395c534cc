"""SIGTERM (CI cancel, `timeout`, `docker stop`) and SIGHUP stop a run as Ctrl-C does.

The handler raises `Terminated`, a KeyboardInterrupt, so every path that keeps the
policy, the ledger and the summary intact on Ctrl-C does the same here; the process
then exits with 128 + the signal's number (143 for SIGTERM), as a shell reports it.
"""

from __future__ import annotations

import signal
from types import FrameType

INTERRUPTED = 130  # 128 + SIGINT
_HANDLED = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """Stopped by a signal other than SIGINT."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def install() -> None:
    """Turn SIGTERM and SIGHUP into `Terminated` in the main thread."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        for handled in _HANDLED:  # a second signal while stopping must not cut the cleanup
            signal.signal(handled, signal.SIG_IGN)
        raise Terminated(signum)

    for signum in _HANDLED:
        signal.signal(signum, handler)


def exit_code(exc: BaseException) -> int:
    """The exit status for an interruption: 130 for Ctrl-C, 143 for SIGTERM, ..."""
    return 128 + exc.signum if isinstance(exc, Terminated) else INTERRUPTED

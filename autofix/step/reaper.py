"""No step process outlives autofix, even when autofix itself is killed (SIGKILL).

Each step runs in its own process group. A small watchdog process (`python -m
autofix.step.reaper`) learns every group's id through a pipe; when the pipe reaches end of
file (autofix exited, however it died) it stops each group still alive: SIGTERM, then
SIGKILL after a grace period. The pipe is closed by the kernel, so no handler is needed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

GRACE_SECONDS = 3.0
_lock = threading.Lock()
_watchdog: subprocess.Popen[bytes] | None = None


def _pipe() -> subprocess.Popen[bytes] | None:
    """The watchdog of this process, started on first use (None if it cannot start)."""
    global _watchdog
    with _lock:
        if _watchdog is None or _watchdog.poll() is not None:
            try:
                _watchdog = subprocess.Popen(
                    [sys.executable, "-m", "autofix.step.reaper"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # a Ctrl-C on the terminal is ours to handle
                )
            except OSError:
                return None
        return _watchdog


def _tell(line: str) -> None:
    watchdog = _pipe()
    if watchdog is None or watchdog.stdin is None:
        return
    with _lock, contextlib.suppress(OSError):
        watchdog.stdin.write(line.encode() + b"\n")
        watchdog.stdin.flush()


@contextlib.contextmanager
def guarded(pgid: int) -> Iterator[None]:
    """While inside, process group `pgid` is stopped if autofix dies; stopped on leaving.

    Leaving also stops what the step left running in its group (a background job).
    """
    _tell(f"+{pgid}")
    try:
        yield
    finally:
        stop_group(pgid)
        _tell(f"-{pgid}")


def stop_group(pgid: int, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM every process of group `pgid`, then SIGKILL what is left after `grace`."""
    if not _alive(pgid):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _alive(pgid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def main() -> None:
    """Watchdog: read `+PGID`/`-PGID` lines until end of file, then stop what is left."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watched: set[int] = set()
    for raw in sys.stdin.buffer:
        line = raw.strip().decode(errors="replace")
        if len(line) > 1 and line[1:].isdigit():
            pgid = int(line[1:])
            if line[0] == "+":
                watched.add(pgid)
            elif line[0] == "-":
                watched.discard(pgid)
    for pgid in watched:
        stop_group(pgid)


if __name__ == "__main__":
    main()

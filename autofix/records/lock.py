"""Claiming a run's output directory: it must be writable, and one run at a time uses it.

The lock is an `flock` on `OUT/.lock`: the kernel releases it when the holder exits,
however it exits (SIGKILL included), so a stale lock never blocks the next run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from autofix.errors import ConfigError

LOCK_NAME = ".lock"
_PROBE_BYTES = 64 * 1024  # room for a policy, a summary and some ledger lines


def describe(exc: OSError) -> str:
    """An OS error in a few words: 'read-only file system', 'no space left on device'."""
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def prepare(out_dir: Path) -> None:
    """Create `out_dir` (and its parents) and prove it takes a write; ConfigError if not."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"--out {out_dir}: exists and is not a directory") from None
    except NotADirectoryError:
        raise ConfigError(f"--out {out_dir}: a parent of it is a file, not a directory") from None
    except OSError as exc:
        raise ConfigError(f"--out {out_dir}: cannot create it: {describe(exc)}") from None
    probe = out_dir / f".probe-{os.getpid()}"
    try:
        with probe.open("wb") as handle:
            handle.write(b"\0" * _PROBE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise ConfigError(f"--out {out_dir}: cannot write there: {describe(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


@contextlib.contextmanager
def hold(out_dir: Path) -> Iterator[None]:
    """Hold the lock on `out_dir` while inside; a second run is refused (exit 2)."""
    path = out_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ConfigError(f"--out {out_dir}: cannot create {LOCK_NAME}: {describe(exc)}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise ConfigError(
                f"{out_dir} is in use by another autofix run (pid {holder}); "
                "wait for it to finish, or pass another --out"
            ) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def claim(out_dir: Path) -> Iterator[None]:
    """`prepare` then `hold`: the directory is writable and ours until the block ends."""
    prepare(out_dir)
    with hold(out_dir):
        yield

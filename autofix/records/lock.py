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
from autofix.records.out_dir import check_ours, mark, refuse_symlinks

LOCK_NAME = ".lock"
_PROBE_BYTES = 64 * 1024  # room for a policy, a summary and some ledger lines


def describe(exc: OSError) -> str:
    """An OS error in a few words: 'read-only file system', 'no space left on device'."""
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def prepare(out_dir: Path, force: bool = False) -> None:
    """Create `out_dir` (and its parents) and prove it takes a write; ConfigError if not,
    or if it is not autofix's to write (see `out_dir.check_ours`) or holds a symlink."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"--out {out_dir}: exists and is not a directory") from None
    except NotADirectoryError:
        raise ConfigError(f"--out {out_dir}: a parent of it is a file, not a directory") from None
    except OSError as exc:
        raise ConfigError(f"--out {out_dir}: cannot create it: {describe(exc)}") from None
    refuse_symlinks(out_dir)
    check_ours(out_dir, force)
    probe = out_dir / f".probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"\0" * _PROBE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise ConfigError(f"--out {out_dir}: cannot write there: {describe(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    mark(out_dir)


@contextlib.contextmanager
def hold(out_dir: Path) -> Iterator[None]:
    """Hold the lock on `out_dir` while inside; a second run is refused (exit 2)."""
    path = out_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
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
def claim(out_dir: Path, force: bool = False) -> Iterator[None]:
    """`prepare` then `hold`: the directory is writable and ours until the block ends."""
    prepare(out_dir, force)
    with hold(out_dir):
        yield

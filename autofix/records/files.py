"""Writing the user's files safely."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any, TextIO

from autofix.errors import ConfigError


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2) + "\n")


def open_no_follow(path: Path, append: bool = False) -> TextIO:
    """Open `path` for writing (line-buffered) without following a symlink; ConfigError on one.

    A link planted where autofix writes (`ledger.jsonl` -> a dotfile) would have its target
    truncated or appended to; `O_NOFOLLOW` makes the open fail instead.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_APPEND  # each write at the end
    if not append:
        flags |= os.O_TRUNC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError(
                f"{path} is a symlink; autofix does not write through links (remove it)"
            ) from None
        raise
    return os.fdopen(fd, "a" if append else "w", encoding="utf-8", buffering=1)

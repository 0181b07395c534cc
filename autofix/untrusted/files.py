"""Files in places a step can reach are untrusted too: open them without following a link."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TextIO

from autofix.errors import ConfigError

__all__ = ["open_no_follow"]


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

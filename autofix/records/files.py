"""Writing the user's files safely, and reading back the JSON ones."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["read_json_object", "remove_unfinished", "write_atomic", "write_json_atomic"]

_unfinished: set[str] = set()
"""Temporary files being written now (a forced exit removes them)."""


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    _unfinished.add(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        _unfinished.discard(tmp)


def remove_unfinished() -> None:
    """Remove the temporary files of writes cut short (the process is ending at once)."""
    for tmp in list(_unfinished):
        Path(tmp).unlink(missing_ok=True)


def write_json_atomic(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2) + "\n")


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`; None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None

"""The sandbox's access log: each (principal, action, resource) it allowed, once.

The local counterpart of IAM access advisor: `autofix check` reads it to name the
granted actions a run never used.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

_lock = threading.Lock()
_seen: set[tuple[str, str, str]] = set()
_path: Path | None = None


def configure(path: Path | None) -> None:
    """Where to write (None: keep no log)."""
    global _path
    _path = path
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def record(principal: str, action: str, resource: str) -> None:
    """Note that `principal` was allowed `action` on `resource` (first time only)."""
    if _path is None:
        return
    key = (principal, action.lower(), resource)
    with _lock:
        if key in _seen:
            return
        _seen.add(key)
        line = {
            "time": datetime.now(UTC).isoformat(),
            "principal": principal,
            "action": action,
            "resource": resource,
        }
        with _path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, sort_keys=True) + "\n")


def read_access_log(path: Path) -> Iterator[dict[str, str]]:
    """Every record of the access log at `path` (none when it does not exist)."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)

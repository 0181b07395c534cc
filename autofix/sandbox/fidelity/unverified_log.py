"""The sandbox's record of resources it could not check: one JSON line each, once.

Written beside the deny log (`sandbox-unverified.jsonl`) when CloudFormation provisions a
resource whose handler calls the sandbox has no knowledge of (no rule, no schema
data) or only partly checks (a custom resource's provider function). Read by
autofix.unverified, so a run never passes such a resource silently.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

FILE_NAME = "sandbox-unverified.jsonl"

_lock = threading.Lock()
_seen: set[tuple[str, str, str]] = set()
_path: Path | None = None


def configure(path: Path | None) -> None:
    """Where to write (None: keep no record)."""
    global _path
    _path = path
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def record(resource_type: str, logical_id: str, stack: str, why: str) -> None:
    """Note one resource the sandbox could not (wholly) check (first time per stack only)."""
    if _path is None:
        return
    key = (stack, logical_id, resource_type)
    with _lock:
        if key in _seen:
            return
        _seen.add(key)
        line = {
            "time": datetime.now(UTC).isoformat(),
            "type": resource_type,
            "logical_id": logical_id,
            "stack": stack,
            "why": why,
        }
        with _path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, sort_keys=True) + "\n")

"""The sandbox's access log: each (principal, action, resource) it allowed, once.

The local counterpart of IAM access advisor: `autofix check` reads it to name the
granted actions a run never used.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from autofix.sandbox.records.once_log import OnceLog

_log = OnceLog()
configure = _log.configure


def record(principal: str, action: str, resource: str) -> None:
    """Note that `principal` was allowed `action` on `resource` (first time only)."""
    _log.record(
        (principal, action.lower(), resource),
        {"principal": principal, "action": action, "resource": resource},
    )


def read_access_log(path: Path) -> Iterator[dict[str, str]]:
    """Every record of the access log at `path` (none when it does not exist)."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)

"""The sandbox's deny log: one JSON line per denial it issued.

The local counterpart of CloudTrail's AccessDenied records, so denials that a
deploy tool swallows (a warning, a retry) are still visible to autofix.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from autofix.untrusted.files import open_no_follow


@dataclass(frozen=True)
class DenyRecord:
    """One denial, as the sandbox issued it."""

    time: str  # ISO 8601, UTC
    principal: str
    access_key_id: str
    action: str
    resource: str
    deny: str  # "implicit" | "explicit-identity"
    message: str
    service: str
    operation: str
    request_id: str
    demand: str = ""  # a CloudFormation handler's demand: "rule" or "schema" (its tier)
    logical_id: str = ""  # a handler's demand: the resource whose handler demanded it
    stack: str = ""  # ... and its stack
    passed_to: str = ""  # an iam:PassRole's: the service the role was passed to
    request_keys: str = ""  # JSON: condition keys a handler's request carried ([]: absent)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DenyRecord:
        return cls(**{name: str(data.get(name, "")) for name in cls.__dataclass_fields__})


class DenyLogWriter:
    """Appends records to a JSON-lines file; safe across the server's threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, record: DenyRecord) -> None:
        line = record.to_json() + "\n"
        with self._lock, open_no_follow(self.path, append=True) as out:
            out.write(line)


def read_deny_log(path: Path) -> list[DenyRecord]:
    """Every record in the deny log at `path` (none if the file does not exist)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [DenyRecord.from_json(json.loads(line)) for line in lines if line.strip()]

"""The embedded sandbox's records of a run: JSON-lines files beside each other in the run's
output directory (or a verify replay's), written by the server process and read by autofix.

`SandboxRecords(directory)` names them; this is the one place their file names are written.
The modules here are the server side: `deny_log` (each denial), `access_log` (each allowed
call, once), `unverified_log` (each resource it could not check, once), `coverage_log` (how
each resource's handler calls were checked, once per operation), `once_log` (the write-once
mechanism the last three share).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Directory", "FileIn", "SandboxRecords", "json_lines", "json_object"]


@dataclass(frozen=True)
class Directory:
    """A directory whose files have fixed names: a subclass names each as a `FileIn`."""

    directory: Path


class FileIn:
    """A file of a fixed name in its owner's `directory` (a class attribute: `owner.name`)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, owner: Directory, kind: type | None = None) -> Path:
        return owner.directory / self.name


class SandboxRecords(Directory):
    """The record files of one sandbox, in `directory`."""

    denials = FileIn("sandbox-denials.jsonl")
    """Every denial the sandbox issued (the account's own deny record)."""
    access = FileIn("sandbox-access.jsonl")
    """Each (principal, action, resource) it allowed, once."""
    soft_denials = FileIn("sandbox-soft-denials.jsonl")
    """In soft mode (`--strategy observe`): what would have been denied, and was allowed."""
    unverified = FileIn("sandbox-unverified.jsonl")
    """Resources it could not check."""
    coverage = FileIn("sandbox-coverage.jsonl")
    """How each resource was checked: a rule, a schema's upper bound, or not at all."""
    server_log = FileIn("sandbox.log")
    """The server process's own output."""

    @classmethod
    def beside(cls, deny_log: Path) -> SandboxRecords:
        """The records that share `deny_log`'s directory."""
        return cls(deny_log.parent)

    def clear(self) -> None:
        """Remove the JSON-lines records (a run starts from fresh ones)."""
        for path in (
            self.denials,
            self.access,
            self.soft_denials,
            self.unverified,
            self.coverage,
        ):
            path.unlink(missing_ok=True)


def json_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a record file, one a line (none when it does not exist); a
    line that is not one (a write cut short by a stopped server) is passed over."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [record for line in lines if (record := json_object(line)) is not None]


def json_object(text: str) -> dict[str, Any] | None:
    """`text` read as a JSON object; None when it is not one."""
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None

"""The embedded sandbox's records of a run: JSON-lines files beside each other in the run's
output directory (or a verify replay's), written by the server process and read by autofix.

`SandboxRecords(directory)` names them; this is the one place their file names are written.
The modules here are the server side: `deny_log` (each denial), `access_log` (each allowed
call, once), `unverified_log` (each resource it could not check, once), `coverage_log` (how
each resource's handler calls were checked, once per operation), `once_log` (the write-once
mechanism the last three share).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["SandboxRecords"]


@dataclass(frozen=True)
class SandboxRecords:
    """The record files of one sandbox, in `directory`."""

    directory: Path

    @property
    def denials(self) -> Path:
        """Every denial the sandbox issued (the account's own deny record)."""
        return self.directory / "sandbox-denials.jsonl"

    @property
    def access(self) -> Path:
        """Each (principal, action, resource) it allowed, once."""
        return self.directory / "sandbox-access.jsonl"

    @property
    def soft_denials(self) -> Path:
        """In soft mode (`--strategy observe`): what would have been denied, and was allowed."""
        return self.directory / "sandbox-soft-denials.jsonl"

    @property
    def unverified(self) -> Path:
        """Resources it could not check."""
        return self.directory / "sandbox-unverified.jsonl"

    @property
    def coverage(self) -> Path:
        """How each resource was checked: a rule, a schema's upper bound, or not at all."""
        return self.directory / "sandbox-coverage.jsonl"

    @property
    def server_log(self) -> Path:
        """The server process's own output."""
        return self.directory / "sandbox.log"

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

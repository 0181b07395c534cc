"""The sandbox's record of resources it could not check: one JSON line each, once.

Written beside the deny log (`sandbox-unverified.jsonl`) when CloudFormation provisions a
resource whose handler calls the sandbox has no knowledge of (no rule, no schema
data) or only partly checks (a custom resource's provider function). Read by
autofix.records.coverage, so a run never passes such a resource silently.
"""

from __future__ import annotations

from autofix.sandbox.records.once_log import OnceLog

_log = OnceLog()
configure = _log.configure


def record(resource_type: str, logical_id: str, stack: str, why: str) -> None:
    """Note one resource the sandbox could not (wholly) check (first time per stack only)."""
    _log.record(
        (stack, logical_id, resource_type),
        {"type": resource_type, "logical_id": logical_id, "stack": stack, "why": why},
    )

"""The sandbox's record of how it checked each resource: one JSON line per resource and
handler operation, once.

Written beside the deny log (`sandbox-coverage.jsonl`) as CloudFormation calls a resource's
handler for the acting principal: `{"type", "logical_id", "stack", "operation", "tier",
"bound_actions", "why", "time"}`, the line built by
`cloudformation.demands.tiers.coverage_record`. Read by autofix.records.coverage, so a run
says per resource whether a rule checked it, a schema's upper bound did, or nothing did.
"""

from __future__ import annotations

from typing import Any

from autofix.sandbox.records.once_log import OnceLog

_log = OnceLog()
configure = _log.configure


def record(line: dict[str, Any]) -> None:
    """Note how one handler call is checked (first time per resource and operation only)."""
    key = (line.get("stack"), line.get("logical_id"), line.get("type"), line.get("operation"))
    _log.record(key, line)

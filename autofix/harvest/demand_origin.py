"""Which resource, and which tier of the sandbox's knowledge, demanded a denied action.

The embedded sandbox's deny log records, for a CloudFormation handler's demand, the
resource type and operation, the resource's logical id and stack, and the tier (`rule` or
`schema`). Without it (a real account), a stack event's failure names the stack and the
logical id (`stack/LogicalId CREATE_FAILED: ...`, autofix.harvest.stack_events).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autofix.denials.model import Denial, Source
from autofix.sandbox.records import json_lines

__all__ = ["DemandOrigin", "Origins", "from_evidence", "sandbox_origins", "tier_words"]


@dataclass(frozen=True)
class DemandOrigin:
    """Where a demand came from, as far as it is known (empty strings: not known)."""

    resource_type: str = ""
    logical_id: str = ""
    stack: str = ""
    operation: str = ""
    """The handler's operation: create, update or delete."""
    tier: str = ""
    """`rule` (a property-aware rule) or `schema` (a provider schema's whole handler list)."""

    def resource_words(self) -> str:
        """`UserPool (AWS::Cognito::UserPool) of stack photo-inbox-dev`, or ""."""
        what = self.logical_id or ""
        if self.resource_type:
            what = f"{what} ({self.resource_type})" if what else self.resource_type
        if what and self.stack:
            what += f" of stack {self.stack}"
        return what


Origins = Callable[[Denial, float], DemandOrigin | None]
"""(a denial, when its attempt started in epoch seconds) -> where it was demanded."""

_WHERE = re.compile(r"^(?P<stack>[^\s/]+)(?:/[^\s/]+)*/(?P<logical>[A-Za-z0-9]+) [A-Z_]+_FAILED: ")
_TIERS = {
    "rule": "a property-aware rule of its {handler}",
    "schema": "the schema tier: every action its provider schema lists for its {handler} "
    "(an upper bound)",
}


def tier_words(tier: str, operation: str = "") -> str:
    """A deny log's tier (and the handler's operation) in words."""
    handler = f"{operation} handler" if operation else "handler"
    return _TIERS.get(tier, f"{tier} ({handler})").format(handler=handler)


def sandbox_origins(deny_log: Path) -> Origins:
    """Origins from the sandbox's deny log (the latest matching record), else the evidence."""

    def origin(denial: Denial, since: float) -> DemandOrigin | None:
        return _from_log(deny_log, denial, since) or from_evidence(denial)

    return origin


def from_evidence(denial: Denial) -> DemandOrigin | None:
    """The stack and logical id a stack event's failure names (None: it names none)."""
    if denial.source != Source.STACK_EVENTS:
        return None
    found = _WHERE.match(denial.evidence)
    if found is None:
        return None
    return DemandOrigin(logical_id=found["logical"], stack=found["stack"])


def _from_log(deny_log: Path, denial: Denial, since: float) -> DemandOrigin | None:
    if not deny_log.is_file() or denial.action is None:
        return None
    found: dict[str, object] | None = None
    mine: dict[str, object] | None = None
    for record in json_lines(deny_log):
        if not record.get("demand"):
            continue
        if (
            str(record.get("action", "")).lower() == denial.action.lower()
            and record.get("resource") == denial.resource
            and _epoch(record.get("time")) >= since
        ):
            found = record
            if record.get("principal") == denial.principal:
                mine = record
    found = mine or found  # the denied principal's own record, else the latest
    if found is None:
        return None
    rtype, _, operation = str(found.get("operation", "")).partition(" ")
    return DemandOrigin(
        resource_type=rtype,
        logical_id=str(found.get("logical_id", "")),
        stack=str(found.get("stack", "")),
        operation=operation,
        tier=str(found.get("demand", "")),
    )


def _epoch(value: object) -> float:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0

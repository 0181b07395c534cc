"""The records of a CloudFormation handler call and what it demands (shared by the tiers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Operation = Literal["create", "update", "delete"]
Props = Mapping[str, Any]


@dataclass(frozen=True)
class HandlerCall:
    """One resource handler invocation: what CloudFormation is about to do."""

    resource_type: str
    operation: Operation
    logical_id: str
    physical_name: str
    properties: Props
    account_id: str
    region: str
    partition: str = "aws"
    physical_id: str | None = None  # known once the resource exists
    old_properties: Props = field(default_factory=dict)


Tier = Literal["rule", "schema"]


@dataclass(frozen=True)
class Requirement:
    """An action the handler calls, on the resource it calls it on.

    `tier` says where the demand came from: a property-aware rule, or the provider
    schema's whole handler list (an upper bound).
    """

    action: str
    resource: str
    after_create: bool = False  # the ARN holds an id the service assigns on creation
    tier: Tier = "rule"


def tag_changes(call: HandlerCall, key: str = "Tags") -> tuple[bool, bool]:
    """(tags added or changed, tags removed) between old and new properties."""
    new = _tag_dict(call.properties.get(key))
    old = _tag_dict(call.old_properties.get(key))
    return (any(old.get(k) != v for k, v in new.items()), any(k not in new for k in old))


def _tag_dict(tags: Any) -> dict[str, Any]:
    if isinstance(tags, dict):
        return dict(tags)
    if isinstance(tags, list):
        return {str(t.get("Key")): t.get("Value") for t in tags if isinstance(t, dict)}
    return {}

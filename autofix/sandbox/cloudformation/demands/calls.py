"""The records of a CloudFormation handler call and what it demands, and rule helpers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from autofix.denials.model import RequestKeys
from autofix.policy.arn_formats import Place

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
    place: Place
    """The ARN fields of the resource: its partition, region and account."""
    physical_id: str | None = None  # known once the resource exists
    old_properties: Props = field(default_factory=dict)
    known: Mapping[str, Props] = field(default_factory=dict)
    """What the caller knows of other resources the properties may name, by their id and by
    their name: a launch template's `Versions` (number -> LaunchTemplateData),
    `DefaultVersionNumber`, `LatestVersionNumber` (the sandbox's, or the template's)."""
    service_role: str = ""
    """The ARN of the stack's service role CloudFormation acts with (`RoleARN`), or ""."""


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
    keys: RequestKeys = ()
    """Service condition keys the request carries, as the demand knows them (an
    `ec2:InstanceProfile` of a launch: its profiles' ARNs; `()`: the key is absent)."""


def is_set(value: Any) -> bool:
    """Whether a property value is set: anything but None, "", [] and {}."""
    return value not in (None, "", [], {})


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


# ---------------------------------------------------------------- helpers of the rules in code


def build_arn(call: HandlerCall, service: str, resource: str, region: bool = True) -> str:
    reg = call.place.region if region else ""
    return f"arn:{call.place.partition}:{service}:{reg}:{call.place.account}:{resource}"


def changed_any(call: HandlerCall, *keys: str) -> bool:
    return any(call.properties.get(k) != call.old_properties.get(k) for k in keys)


def role_arn_of(call: HandlerCall, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return f"arn:{call.place.partition}:iam::{call.place.account}:role/{name_or_arn}"


def name_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return [str(value)] if value else []


def is_queue_url(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def queue_url_arn(call: HandlerCall, url: str) -> str:
    """The ARN of the SQS queue at `url` (a queue's Ref, and its physical id)."""
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:{call.place.partition}:sqs:{call.place.region}:{account}:{name}"

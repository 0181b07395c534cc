"""What a template tells a launching handler of the launch templates and instance profiles
it declares, as the sandbox's EC2 and IAM models tell it (`HandlerCall.known`, read by
cloudformation.demands.launches).

An Auto Scaling group, an instance or a fleet launching from a launch template of its own
template is then predicted RunInstances on what that launch uses (its image, security
groups, the instance with the same `ec2:InstanceProfile`), and the profile's roles passed,
before its first attempt, as the sandbox will demand them. Which types declare a launch
template and an instance profile, and where their data and roles are, is data
(cfn_launches.json's `declared`).

A launch template is known by its `Ref` (its id: `*`, assigned on creation) and by its name
(set, or the generated pattern); its data is the template's, resolved, for the versions a
launch names as not known before deploy (`*`: `$Latest`, `$Default`, the GetAtt of its
latest version). Its `*` id is told only to a call whose properties name that launch
template (a Ref or GetAtt of it), and not when they name two: which one a `*` is would not
be known. An instance profile is known by its ARN and by `instance-profile:<name>`, its
generated name's random tail as `*` (as other predicted names), with its roles' ARNs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Protocol

from autofix import data
from autofix.policy.arn_formats import Place as ArnPlace
from autofix.sandbox.cloudformation.demands.calls import Props

UNKNOWN = "*"


class _Placed(Protocol):
    @property
    def at(self) -> ArnPlace: ...


class Resolver(Protocol):
    """What is read of a template's resolver (predict.template's)."""

    @property
    def place(self) -> _Placed: ...

    @property
    def resources(self) -> Mapping[str, Any]: ...

    def physical_name(self, logical_id: str) -> str: ...

    def ref(self, name: str) -> Any: ...

    def getatt(self, logical_id: str, attribute: str) -> str: ...

    def resolve(self, value: Any) -> Any: ...


@cache
def _data() -> dict[str, Any]:
    found: dict[str, Any] = data.load("curated", "cfn_launches.json")
    return found


def known_of(resolver: Resolver, resource_type: str, properties: Any) -> dict[str, Props]:
    """What a call of `resource_type` with the (unresolved) `properties` knows of the
    template's launch templates and instance profiles; `{}` for a type launching none."""
    if resource_type not in _data()["launchers"]:
        return {}
    declared = _data()["declared"]
    found: dict[str, Props] = {}
    shared: set[str] = set()
    for logical_id, body in resolver.resources.items():
        props = body.get("Properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            continue
        if body.get("Type") == declared["launch_template"]["type"]:
            pairs = _template(resolver, logical_id, props, _names(properties, logical_id))
        elif body.get("Type") == declared["instance_profile"]["type"]:
            pairs = _profile(resolver, logical_id, props)
        else:
            continue
        for key, entry in pairs:
            if key in found and found[key] is not entry:
                shared.add(key)
            found[key] = entry
    return {key: entry for key, entry in found.items() if key not in shared}


def _template(
    resolver: Resolver, logical_id: str, props: Props, named: bool
) -> Iterator[tuple[str, Props]]:
    ident = resolver.ref(logical_id)
    ident = ident if isinstance(ident, str) and ident else UNKNOWN
    launch = resolver.resolve(props.get(_data()["declared"]["launch_template"]["data"]) or {})
    entry: Props = {
        "LaunchTemplateId": ident,
        "Versions": {UNKNOWN: launch if isinstance(launch, dict) else {}},
        "DefaultVersionNumber": UNKNOWN,
        "LatestVersionNumber": UNKNOWN,
    }
    if ident != UNKNOWN or named:
        yield ident, entry
    name = resolver.physical_name(logical_id)
    if name != UNKNOWN:
        yield name, entry


def _profile(resolver: Resolver, logical_id: str, props: Props) -> Iterator[tuple[str, Props]]:
    arn = resolver.getatt(logical_id, "Arn")
    name = resolver.physical_name(logical_id)
    at = resolver.place.at
    roles = resolver.resolve(props.get(_data()["declared"]["instance_profile"]["roles"]) or [])
    entry: Props = {
        "Arn": arn,
        "Roles": [
            f"arn:{at.partition}:iam::{at.account}:role/{role}"
            for role in (roles if isinstance(roles, list) else [])
            if isinstance(role, str) and role.strip(UNKNOWN)
        ],
    }
    if arn.partition("instance-profile/")[2].strip(UNKNOWN):
        yield arn, entry
    if name.strip(UNKNOWN):
        yield f"instance-profile:{name}", entry


def _names(node: Any, logical_id: str) -> bool:
    """Whether `node` (unresolved properties) holds a Ref or a GetAtt of `logical_id`."""
    if isinstance(node, list):
        return any(_names(item, logical_id) for item in node)
    if not isinstance(node, dict):
        return False
    if len(node) == 1:
        ((key, arg),) = node.items()
        if key == "Ref" and arg == logical_id:
            return True
        if key == "Fn::GetAtt":
            target = arg.split(".", 1)[0] if isinstance(arg, str) else (arg or [None])[0]
            if target == logical_id:
                return True
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(text, str) and (
                f"${{{logical_id}}}" in text or f"${{{logical_id}." in text
            ):
                return True
    return any(_names(value, logical_id) for value in node.values())

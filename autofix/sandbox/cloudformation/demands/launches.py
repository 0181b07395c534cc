"""ec2:RunInstances of a handler that launches instances: on what the launch uses.

Creating an Auto Scaling group, an instance, an EC2 or Spot Fleet with a launch template
checks the caller's ec2:RunInstances (EC2 Auto Scaling's API permissions and launch
template permissions pages), which IAM authorises on each resource the launch uses
(the Service Authorization Reference for EC2): the launch template, the image, the
security groups, the subnets, the key pair it names, and the instance, volumes and
network interfaces it makes (`instance/*`: ids the service assigns). What a type launches
from is data (autofix/data/curated/cfn_launches.json, with its sources): the paths of its
launch template specifications and of launch data it holds itself; a launch template's
data comes from `HandlerCall.known` (the sandbox's launch templates, by id and name).

The `instance` demand carries the request's `ec2:InstanceProfile` (the ARNs of the
profiles the launch names; none: the key is absent, as on AWS), the key the grant is
conditioned on (`autofix.policy.conditions.conditioned_by_request`). Where the launch data
is not known (a template the caller does not know, a value not resolved before deploy) the
key is not told and the grant gets no condition: the guard then refuses `instance/*`.

A launch whose template names an instance profile passes its role (iam:PassRole, "a launch
template that specifies an instance profile", EC2 Auto Scaling's API permissions page), to
ec2.amazonaws.com: demanded on the roles the caller knows the profile holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from autofix import data
from autofix.denials.model import RequestKeys
from autofix.policy import actions_catalog
from autofix.policy.arn_formats import Place, arn_of, formats_of
from autofix.policy.conditions import PASSED_TO_SERVICE, conditioned_by_request
from autofix.sandbox.cloudformation.demands import references
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Props, Requirement
from autofix.sandbox.cloudformation.demands.references import values_at

UNKNOWN = "*"


@cache
def _data() -> dict[str, Any]:
    found: dict[str, Any] = data.load("curated", "cfn_launches.json")
    return found


def launches(resource_type: str, action: str) -> bool:
    """Whether `resource_type`'s handler launches instances with `action` (RunInstances), or
    passes a launch's instance profile roles with it (PassRole): the data's."""
    named = (_data()["action"].lower(), _data()["passes"]["action"].lower())
    return resource_type in _data()["launchers"] and action.lower() in named


@dataclass(frozen=True)
class _Launch:
    templates: tuple[str, ...]
    """The ARNs of the launch templates used."""
    data: tuple[Props, ...]
    """The launch data known: each template's, and what the properties hold."""
    told: bool
    """Whether every launch's data is known (else its instance profile is not told)."""


def requirements(call: HandlerCall, action: str) -> tuple[Requirement, ...] | None:
    """What `action` (RunInstances, PassRole) of a launching type's handler is demanded on;
    None when the type launches none with it (the other tiers decide)."""
    if not launches(call.resource_type, action):
        return None
    spec = _data()["launchers"][call.resource_type]
    launch = _launch(call, spec)
    if action.lower() == _data()["passes"]["action"].lower():
        return _passes(call, action, launch)
    if spec.get("templates_only") and not launch.templates:
        return ()  # a group with a launch configuration: checked at its creation instead
    place = call.place
    named: dict[str, list[str]] = {}
    for values in launch.data:
        for iam_type, paths in _data()["launch_data"].items():
            held = [v for p in paths for v in _split(values_at(values, p))]
            named.setdefault(iam_type, []).extend(
                arn for v in held if (arn := _of(iam_type, v, place))
            )
    subnets = [v for p in spec.get("subnets", ()) for v in _split(values_at(call.properties, p))]
    named.setdefault("subnet", []).extend(a for v in subnets if (a := _of("subnet", v, place)))
    found = [Requirement(action, arn, tier="schema") for arn in launch.templates]
    for iam_type in _data()["unnamed"]:
        if not named.get(iam_type):
            named[iam_type] = [_any(iam_type, place)]
    for arns in named.values():
        found += [Requirement(action, arn, tier="schema") for arn in dict.fromkeys(arns)]
    keyed = conditioned_by_request(action)
    profiles = _profiles(launch, call)
    for iam_type in _data()["made"]:
        keys: RequestKeys = ()
        if keyed is not None and keyed.resource_type == iam_type and profiles is not None:
            keys = ((keyed.key, profiles),)
        found.append(Requirement(action, _any(iam_type, place), tier="schema", keys=keys))
    return tuple(found)


def withheld(call: HandlerCall, listed: Iterable[str]) -> tuple[str, ...]:
    """Those of `listed` a launching type's handler does not call for `call` (a group that
    launches from no launch template: RunInstances)."""
    return tuple(a for a in listed if requirements(call, a) == ())


def _passes(call: HandlerCall, action: str, launch: _Launch) -> tuple[Requirement, ...] | None:
    """iam:PassRole of the roles of the profiles the launch names (to the data's service),
    and on what the type's own role properties name; None when the launch names none or a
    profile the caller does not know (the other tiers decide, as without a launch)."""
    profiles = _profiles(launch, call)
    entries = [call.known.get(p) for p in profiles or ()]
    if not entries or any(e is None for e in entries):
        return None
    to = ((PASSED_TO_SERVICE, (str(_data()["passes"]["to"]),)),)
    roles = [str(r) for e in entries if e is not None for r in e.get("Roles") or ()]
    found = [Requirement(action, role, tier="schema", keys=to) for role in dict.fromkeys(roles)]
    own = references.resources_for(call, action) or ()
    return (*found, *(Requirement(action, r, tier="schema") for r in own if r not in roles))


def _launch(call: HandlerCall, spec: dict[str, Any]) -> _Launch:
    templates: list[str] = []
    found: list[Props] = []
    told = True
    for path in spec.get("templates", ()):
        for item in _objects_at(call.properties, path):
            arn, values = _template(call, item)
            templates.append(arn)
            if values is None:
                told = False
            else:
                found.append(values)
    for path in spec.get("launch", ()):
        found += [call.properties] if path == "." else _objects_at(call.properties, path)
    return _Launch(tuple(dict.fromkeys(templates)), tuple(found), told)


def _template(call: HandlerCall, item: Props) -> tuple[str, Props | None]:
    """(the ARN, the launch data) of the launch template a specification names; the data
    None when the caller does not know the template."""
    ident = _first(item, _data()["template_ids"])
    name = _first(item, _data()["template_names"])
    entry = call.known.get(ident) or call.known.get(name) if (ident or name) else None
    if entry is not None:
        ident = str(entry.get("LaunchTemplateId") or ident)
    arn = _of("launch-template", ident if ident and ident != UNKNOWN else UNKNOWN, call.place)
    if entry is None:
        return arn or _any("launch-template", call.place), None
    versions = entry.get("Versions") or {}
    wanted = _first(item, _data()["template_versions"]) or "$Default"
    number = {
        "$Latest": entry.get("LatestVersionNumber"),
        "$Default": entry.get("DefaultVersionNumber"),
    }.get(wanted, wanted)
    values = versions.get(str(number)) if isinstance(versions, dict) else None
    return arn or _any("launch-template", call.place), values if isinstance(values, dict) else None


def _profiles(launch: _Launch, call: HandlerCall) -> tuple[str, ...] | None:
    """The ARNs of the instance profiles the launches name (`()`: none); None when a launch
    is not known or names one whose value is not known."""
    if not launch.told:
        return None
    found: list[str] = []
    for values in launch.data:
        for path in _data()["instance_profile"]:
            for held in _objects_or_values(values, path):
                arn = _profile_arn(held, call)
                if arn is None:
                    return None
                found.append(arn)
    return tuple(dict.fromkeys(found))


def _profile_arn(held: Any, call: HandlerCall) -> str | None:
    """The ARN of an instance profile named by an ARN, a name (the caller's profile of that
    name, with its path), or `{Arn|Name: ...}`; a profile the caller knows keeps the ARN it
    knows (a prediction's: its generated name's random tail as `*`)."""
    if isinstance(held, dict):
        held = held.get("Arn") or held.get("Name")
    if not isinstance(held, str) or not held:
        return None
    is_arn = held.startswith("arn:")
    known = call.known.get(held if is_arn else f"instance-profile:{held}") or {}
    if known.get("Arn"):
        return str(known["Arn"])
    if UNKNOWN in held:
        return None
    place = call.place
    return held if is_arn else f"arn:{place.partition}:iam::{place.account}:instance-profile/{held}"


def _of(iam_type: str, value: str, place: Place) -> str | None:
    return arn_of(f"ec2:{iam_type}", value, place) if value else None


def _any(iam_type: str, place: Place) -> str:
    """The type's ARN with `*` for its id (RunInstances's format of it)."""
    info = actions_catalog.lookup(_data()["action"])
    for rt in info.resource_types if info else ():
        if rt.name == iam_type:
            return formats_of(rt, "ec2")[0].build({}, place)
    return UNKNOWN


def _split(values: Iterable[str]) -> list[str]:
    """Values, a comma-separated list each (`VPCZoneIdentifier`, a Spot Fleet's `SubnetId`)."""
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


def _first(item: Props, keys: Iterable[str]) -> str:
    return next((str(item[k]) for k in keys if isinstance(item.get(k), str | int)), "")


def _objects_at(node: Any, path: str) -> list[Props]:
    return [v for v in _objects_or_values(node, path) if isinstance(v, dict)]


def _objects_or_values(node: Any, path: str) -> list[Any]:
    """What is at the dotted `path` (`*`: each item of a list), objects and values alike."""
    found = [node]
    for part in path.split("."):
        step: list[Any] = []
        for item in found:
            if part == "*" and isinstance(item, list):
                step += item
            elif isinstance(item, dict) and part in item:
                step.append(item[part])
        found = step
    return found

"""A template's handler calls before it is deployed: names and intrinsics resolved.

What the template cannot tell before deployment (ids the service assigns, generated
random parts, conditions) becomes `*`, which scoping treats like any wildcard. The
calls are fed to the same demand knowledge the sandbox checks with
(`cloudformation.demands.tiers.demands_for`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from autofix import data
from autofix.policy.arn_formats import Place as ArnPlace
from autofix.policy.conditions import PASS_ROLE, PASSED_TO_SERVICE, receiver, receiving_service
from autofix.policy.name_rules import name_rule, required_name_property
from autofix.predict.launch_known import known_of
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Operation, Requirement
from autofix.sandbox.cloudformation.demands.tiers import demands_for

UNKNOWN = "*"
ROLE_TYPE = "AWS::IAM::Role"
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")
_NO_VALUE = object()


@dataclass(frozen=True)
class Place:
    """Where the template will be deployed: its stack, and the ARN fields of what it makes."""

    stack: str
    at: ArnPlace
    service_role: str = ""
    """The ARN of the role CloudFormation acts as on the stack (CDK's execution role), or ""."""


@dataclass(frozen=True)
class Predicted:
    """What one handler call (a resource's, for one operation) demands: a predicted group."""

    call: HandlerCall
    requirements: tuple[Requirement, ...]
    passed_to: tuple[tuple[str, str], ...] = ()
    """(role, service principal) of each iam:PassRole requirement whose property tells it."""


@cache
def _return_values() -> dict[str, dict[str, str]]:
    values = data.load("curated", "cfn_return_values.json")
    return {"ref": values["ref"], "getatt": values["getatt"]}


class Resolver:
    def __init__(self, template: Mapping[str, Any], place: Place) -> None:
        self.place = place
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        params = template.get("Parameters") or {}
        self.params = {
            k: v.get("Default", UNKNOWN) for k, v in params.items() if isinstance(v, dict)
        }
        self._names: dict[str, str] = {}
        self._given: dict[str, str] = {}

    def physical_name(self, logical_id: str) -> str:
        """The name the resource will have: its name property, or the generated form."""
        if logical_id in self._names:
            return self._names[logical_id]
        self._names[logical_id] = UNKNOWN  # a cycle resolves to unknown
        body = self.resources.get(logical_id) or {}
        rtype = str(body.get("Type", ""))
        rule = name_rule(rtype)
        props = body.get("Properties") or {}
        name: str = UNKNOWN
        if rule is not None and props.get(rule.property) is not None:
            value = self.resolve(props[rule.property])
            name = value if isinstance(value, str) else UNKNOWN
        elif rule is not None:
            # the random tail is 12 or 13 characters; where the name is truncated to fit,
            # the two lengths cut the head differently: the pattern both names match
            name = rule.pattern(self.place.stack, logical_id)
        self._names[logical_id] = name
        return name

    def given_name(self, logical_id: str) -> str:
        """The resource's name as its return values hold it: the physical name, or for a
        type whose template must name it (an event bus: `Ref` is its `Name`), that name."""
        name = self.physical_name(logical_id)
        body = self.resources.get(logical_id) or {}
        prop = required_name_property(str(body.get("Type", "")))
        props = body.get("Properties") or {}
        if name != UNKNOWN or prop is None or props.get(prop) is None:
            return name
        if logical_id not in self._given:
            self._given[logical_id] = UNKNOWN  # a cycle resolves to unknown
            value = self.resolve(props[prop])
            self._given[logical_id] = value if isinstance(value, str) and value else UNKNOWN
        return self._given[logical_id]

    def trust_policy(self, role_arn: str) -> Any:
        """The trust policy, resolved, of the template's role `role_arn` names (None: no
        role of the template's is named so)."""
        for logical_id, body in self.resources.items():
            if not isinstance(body, dict) or body.get("Type") != ROLE_TYPE:
                continue
            arn = self.getatt(logical_id, "Arn")
            if UNKNOWN in (arn, role_arn) or arn != role_arn:
                continue
            return self.resolve((body.get("Properties") or {}).get("AssumeRolePolicyDocument"))
        return None

    def _format(self, fmt: str | None, logical_id: str) -> str:
        if fmt is None:
            return UNKNOWN
        return fmt.format(
            **{key.lower(): value for key, value in self.place.at.values().items()},
            name=self.given_name(logical_id),
            property=_Named(self, logical_id),
        )

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": self.place.at.account,
            "AWS::Region": self.place.at.region,
            "AWS::Partition": self.place.at.partition,
            "AWS::StackName": self.place.stack,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": _NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.params:
            return self.params[name]
        body = self.resources.get(name)
        if not isinstance(body, dict):
            return UNKNOWN
        return self._format(_return_values()["ref"].get(str(body.get("Type"))), name)

    def getatt(self, logical_id: str, attribute: str) -> str:
        body = self.resources.get(logical_id)
        if not isinstance(body, dict):
            return UNKNOWN
        fmt = _return_values()["getatt"].get(f"{body.get('Type')}.{attribute}")
        return self._format(fmt, logical_id)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(str(arg))
            if key.startswith("Fn::") or key == "Condition":
                return self._function(key, arg)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _function(self, key: str, arg: Any) -> Any:
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else list(arg)
            return self.getatt(str(parts[0]), str(parts[1])) if len(parts) == 2 else UNKNOWN
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            items = self.resolve(arg[1])
            if isinstance(items, list):
                return str(arg[0]).join(_text(i) for i in items)
        if key == "Fn::Sub":
            text, local = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
            return self._sub(str(text), local if isinstance(local, dict) else {})
        if key == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
            items = self.resolve(arg[1])
            try:
                return items[int(self.resolve(arg[0]))]
            except (TypeError, ValueError, IndexError, KeyError):
                return UNKNOWN
        return UNKNOWN  # Fn::If, Fn::ImportValue, Fn::FindInMap...: not known before deploy

    def _sub(self, text: str, local: Mapping[str, Any]) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local:
                return _text(self.resolve(local[name]))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.getatt(logical_id, attribute)
            return _text(self.ref(name))

        return _SUB.sub(fill, text).replace("${!", "${")


class _Named:
    """`{property[FunctionName]}` in a return value's format: the resource's property,
    resolved, as a name (an ARN's resource name: `function:f` gives `f`); `*` if unknown."""

    def __init__(self, resolver: Resolver, logical_id: str) -> None:
        self.resolver = resolver
        self.logical_id = logical_id

    def __getitem__(self, prop: str) -> str:
        body = self.resolver.resources.get(self.logical_id) or {}
        props = body.get("Properties") if isinstance(body, dict) else None
        value = props.get(prop) if isinstance(props, dict) else None
        text = _text(self.resolver.resolve(value)) if value is not None else UNKNOWN
        if text.startswith("arn:") and text.count(":") >= 5:
            text = re.split(r"[:/]", text.split(":", 5)[5], maxsplit=1)[-1]
        return text or UNKNOWN


def _text(value: Any) -> str:
    return value if isinstance(value, str) else UNKNOWN if value is not None else ""


def predict(
    template: Mapping[str, Any], place: Place, operations: tuple[Operation, ...]
) -> list[Predicted]:
    """Per resource and operation, the requirements its handler will have."""
    resolver = Resolver(template, place)
    found = []
    for logical_id, body in resolver.resources.items():
        if not isinstance(body, dict) or "Type" not in body:
            continue
        props = resolver.resolve(body.get("Properties") or {})
        for operation in operations:
            if operation == "delete" and body.get("DeletionPolicy") in _RETAINED:
                continue  # CloudFormation leaves it: no delete handler runs
            found += handler_groups(resolver, logical_id, operation, props)
    return found


def handler_groups(
    resolver: Resolver,
    logical_id: str,
    operation: Operation,
    properties: Any,
    old_properties: Any = None,
) -> list[Predicted]:
    """The predicted group of one handler call of the resource `logical_id` (none when it
    demands nothing), with `properties` resolved (and, for an update, the deployed ones)."""
    body = resolver.resources.get(logical_id) or {}
    rtype = str(body.get("Type", ""))
    call = HandlerCall(
        resource_type=rtype,
        operation=operation,
        logical_id=logical_id,
        physical_name=resolver.physical_name(logical_id),
        properties=properties if isinstance(properties, dict) else {},
        place=resolver.place.at,
        physical_id=_physical_id(resolver, logical_id, rtype),
        old_properties=old_properties if isinstance(old_properties, dict) else {},
        known=known_of(resolver, rtype, body.get("Properties")),
        service_role=resolver.place.service_role,
    )
    reqs = tuple(r for r in demands_for(call) if _plausible(r.resource))
    passes = {
        (r.resource, service)
        for r in reqs
        if r.action.lower() == PASS_ROLE.lower()
        and (
            service := next(iter(dict(r.keys).get(PASSED_TO_SERVICE, ())), None)
            or (r.resource == call.service_role and receiver("cloudformation"))
            or receiving_service(
                rtype, r.resource, call.properties, resolver.trust_policy(r.resource)
            )[0]
        )
    }
    return [Predicted(call, reqs, tuple(sorted(passes)))] if reqs else []


def generated_patterns(template: Mapping[str, Any], place: Place) -> frozenset[str]:
    """The names CloudFormation will generate for the template's unnamed resources, each
    with its random tail as `*` (`stack-LogicalId-*`, truncated by the type's rule)."""
    resolver = Resolver(template, place)
    found = set()
    for logical_id, body in resolver.resources.items():
        rule = name_rule(str(body.get("Type", ""))) if isinstance(body, dict) else None
        if rule is None or (body.get("Properties") or {}).get(rule.property) is not None:
            continue
        name = resolver.physical_name(logical_id)
        if name.endswith(UNKNOWN) and name != UNKNOWN:
            found.add(name)
    return frozenset(found)


_RETAINED = frozenset({"Retain", "RetainExceptOnCreate"})
"""DeletionPolicy values that keep a resource when its stack deletes or drops it."""


def _physical_id(resolver: Resolver, logical_id: str, resource_type: str) -> str:
    """The physical id the resource will have, as its `Ref` returns it (a managed policy's
    ARN with its generated tail as `*`); `*` for a type whose `Ref` is not known."""
    if resource_type not in _return_values()["ref"]:
        return UNKNOWN
    value = resolver.ref(logical_id)
    return value if isinstance(value, str) and value else UNKNOWN


def _plausible(resource: str) -> bool:
    """A resource pattern worth granting: `*`, or one that names something."""
    return resource == UNKNOWN or resource.strip("*:/") != ""

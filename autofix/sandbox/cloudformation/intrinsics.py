"""Intrinsic functions moto's CloudFormation resolves wrongly, and a template error met while
resolving a resource's properties failing that resource (not the whole stack operation)."""

from __future__ import annotations

import ipaddress
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError

from autofix.sandbox.cloudformation.demands.requirements import Operation
from autofix.sandbox.cloudformation.patches import original
from autofix.sandbox.cloudformation.state import ResourceFailed
from autofix.sandbox.cloudformation.types.attributes import (
    UNSUPPORTED,
    missing_attribute,
    property_value,
)

_ZONE_LETTERS = ("a", "b", "c", "d")


def _no_value(node: Any, resources_map: Any) -> bool:
    """Is `node` `{"Ref": "AWS::NoValue"}`, or an `Fn::If` whose chosen branch is?"""
    if not isinstance(node, dict) or len(node) != 1:
        return False
    if node.get("Ref") == "AWS::NoValue":
        return True
    branches = node.get("Fn::If")
    if not isinstance(branches, list) or len(branches) != 3:
        return False
    chosen = branches[1] if resources_map.lazy_condition_map[branches[0]] else branches[2]
    return _no_value(chosen, resources_map)


def clean_json(resource_json: Any, resources_map: Any) -> Any:
    """moto's `clean_json`, with `Fn::Cidr` (moto has none), `Fn::GetAZs` resolving its
    argument (`{"Ref": "AWS::Region"}`), a list item that is AWS::NoValue removed (moto kept
    it as `null`), and `Fn::GetAtt` of an attribute the type has and moto's model lacks
    answered (types/attributes.py).

    AWS reads an empty argument, or any expression of the region, as the stack's region.
    A `null` statement in a role's trust policy (CDK's bootstrap roles have two) made
    every AssumeRole of that role fail with a 500.
    """
    if isinstance(resource_json, list):
        return [
            parsing.clean_json(item, resources_map)
            for item in resource_json
            if not _no_value(item, resources_map)
        ]
    if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
        return cidr_blocks(parsing.clean_json(resource_json["Fn::Cidr"], resources_map))
    if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json:
        region = parsing.clean_json(resource_json["Fn::GetAZs"], resources_map)
        if not isinstance(region, str) or not region:
            region = resources_map._region_name
        return [f"{region}{letter}" for letter in _ZONE_LETTERS]
    try:
        return original(parsing, "clean_json")(resource_json, resources_map)
    except ValidationError as exc:
        found = _attribute(resource_json, resources_map) if UNSUPPORTED in str(exc) else None
        if found is None:
            raise
        return found
    except AttributeError as exc:  # a model with no attributes at all (moto's VpnGateway)
        if "get_cfn_attribute" not in str(exc) or not _is_getatt(resource_json):
            raise
        found = _attribute(resource_json, resources_map)
        if found is None:
            name, attribute = resource_json["Fn::GetAtt"]
            raise ValidationError(
                message=f"Template error: resource {name} {UNSUPPORTED} {attribute} in Fn::GetAtt"
            ) from exc
        return found


def cidr_blocks(arguments: Any) -> list[str]:
    """`Fn::Cidr [ipBlock, count, cidrBits]`: the first `count` blocks of `ipBlock` with
    `cidrBits` host bits each (a /24 for 8 bits of an IPv4 block, a /64 for 64 of IPv6), as
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html
    says. moto 5.2.5 has no Fn::Cidr: `Fn::Select` of it failed the request with a 500."""
    if not isinstance(arguments, list) or len(arguments) != 3:
        raise ValidationError(message="Template error: Fn::Cidr takes [ipBlock, count, cidrBits]")
    try:
        network = ipaddress.ip_network(str(arguments[0]), strict=False)
        count, bits = int(arguments[1]), int(arguments[2])
        blocks = network.subnets(new_prefix=network.max_prefixlen - bits)
        found = [str(block) for _, block in zip(range(count), blocks, strict=False)]
    except ValueError as exc:
        raise ValidationError(message=f"Template error: Fn::Cidr {arguments}: {exc}") from exc
    if len(found) < count:
        raise ValidationError(message=f"Template error: Fn::Cidr {arguments}: too few blocks")
    return found


def _is_getatt(resource_json: Any) -> bool:
    target = resource_json.get("Fn::GetAtt") if isinstance(resource_json, dict) else None
    return isinstance(target, list) and len(target) == 2


def _attribute(resource_json: Any, resources_map: Any) -> Any:
    """The value of a `Fn::GetAtt` moto's model could not answer, when AWS's type has it."""
    if not _is_getatt(resource_json):
        return None
    name, attribute = str(resource_json["Fn::GetAtt"][0]), str(resource_json["Fn::GetAtt"][1])
    resource = resources_map.get(name)
    if resource is None:
        return None
    written = (resources_map._resource_json_map.get(name) or {}).get("Properties") or {}

    def given(path: str) -> Any:
        value = property_value(written, path)
        return None if value is None else clean_json(value, resources_map)

    return missing_attribute(resource, attribute, given)


def parsed_resource(
    logical_id: str, resource_json: dict[str, Any], resources_map: Any, operation: Operation
) -> Any:
    """moto's `parse_resource_and_generate_name`; a template error in the resource's
    properties (an attribute no model answers) fails the resource, as a handler's error
    does: the stack rolls back. It escaped the stack operation before, which left the
    stack CREATE_IN_PROGRESS for good (a deploy then waited ten minutes for it to settle)."""
    try:
        return parsing.parse_resource_and_generate_name(logical_id, resource_json, resources_map)
    except ValidationError as exc:
        reason = str(getattr(exc, "message", "") or exc)
        raise ResourceFailed(logical_id, str(resource_json.get("Type")), operation, reason) from exc

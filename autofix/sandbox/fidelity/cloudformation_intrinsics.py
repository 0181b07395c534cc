"""Intrinsic functions moto's CloudFormation resolves wrongly."""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing

from autofix.sandbox.fidelity.cloudformation_patches import original

_ZONE_LETTERS = ("a", "b", "c", "d")


def clean_json(resource_json: Any, resources_map: Any) -> Any:
    """moto's `clean_json`, with `Fn::GetAZs` resolving its argument (`{"Ref": "AWS::Region"}`).

    AWS reads an empty argument, or any expression of the region, as the stack's region.
    """
    if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json:
        region = parsing.clean_json(resource_json["Fn::GetAZs"], resources_map)
        if not isinstance(region, str) or not region:
            region = resources_map._region_name
        return [f"{region}{letter}" for letter in _ZONE_LETTERS]
    return original(parsing, "clean_json")(resource_json, resources_map)

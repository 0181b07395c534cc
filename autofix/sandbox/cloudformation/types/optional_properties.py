"""Optional properties that moto's CloudFormation models read as if they were required.

moto 5.2.5's `create_from_cloudformation_json` of some types reads a property AWS documents
as optional unconditionally (`properties["Description"]` of an AWS::EC2::TransitGateway,
`properties["KeyPolicy"]` of an AWS::KMS::Key): a template that leaves it out failed with
KeyError, where AWS creates the resource; others read it with `.get` and hand None to a
backend that refuses it (an AWS::SSM::Document without DocumentFormat, whose default is
JSON). Each such type and property is data
(autofix/data/curated/moto_optional_properties.json, with its source): the model is given
the value that stands for "not given" to moto's backend. The handler's demands are read
from the template as written, before this, so nothing is demanded for the property.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from autofix import data
from autofix.sandbox.cloudformation.patches import Patch
from autofix.sandbox.cloudformation.types.model_create import create_patch


@dataclass(frozen=True)
class OptionalProperties:
    """One type whose moto model needs its left-out optional properties filled in."""

    resource_type: str
    model: str  # module:Class
    values: Mapping[str, Any]  # property -> the value moto's backend takes for "not given"

    @classmethod
    def of(cls, resource_type: str, entry: Mapping[str, Any]) -> OptionalProperties:
        """The type as the data file's `entry` lists it."""
        values = {name: p["value"] for name, p in entry["properties"].items()}
        return cls(resource_type, entry["model"], values)

    def mends(self) -> str:
        left_out = ", ".join(self.values)
        return (
            f"an {self.resource_type} without {left_out} (optional on AWS) failed "
            "(KeyError, or moto's backend refused None)"
        )


@cache
def listed() -> tuple[OptionalProperties, ...]:
    """Every type the data file lists."""
    types: dict[str, Any] = data.load("curated", "moto_optional_properties.json")["types"]
    return tuple(OptionalProperties.of(t, entry) for t, entry in types.items())


def filled(cloudformation_json: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the resource's JSON with each left-out property of `values` set to its value
    (a property the template gives is kept as given)."""
    resource = copy.deepcopy(dict(cloudformation_json))
    props = resource.get("Properties") or {}
    resource["Properties"] = {**{k: v for k, v in values.items() if k not in props}, **props}
    return resource


def patches() -> tuple[Patch, ...]:
    """One patch per listed type: its model's create, with the optional properties filled."""
    return tuple(
        create_patch(e.model, partial(filled, values=e.values), None, e.mends()) for e in listed()
    )

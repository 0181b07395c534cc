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
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from autofix import data
from autofix.sandbox.cloudformation.patches import Patch, original


@dataclass(frozen=True)
class OptionalProperties:
    """One type whose moto model needs its left-out optional properties filled in."""

    resource_type: str
    model: str  # module:Class
    values: Mapping[str, Any]  # property -> the value moto's backend takes for "not given"

    def model_class(self) -> Any:
        module, _, name = self.model.partition(":")
        return getattr(importlib.import_module(module), name)


@cache
def listed() -> tuple[OptionalProperties, ...]:
    """Every type the data file lists."""
    types: dict[str, Any] = data.load("curated", "moto_optional_properties.json")["types"]
    return tuple(
        OptionalProperties(
            resource_type,
            entry["model"],
            {name: prop["value"] for name, prop in entry["properties"].items()},
        )
        for resource_type, entry in types.items()
    )


def filled(cloudformation_json: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the resource's JSON with each left-out property of `values` set to its value
    (a property the template gives is kept as given)."""
    resource = copy.deepcopy(dict(cloudformation_json))
    props = resource.get("Properties") or {}
    resource["Properties"] = {**{k: v for k, v in values.items() if k not in props}, **props}
    return resource


def _create(entry: OptionalProperties) -> classmethod[Any, Any, Any]:
    model = entry.model_class()

    def create_from_cloudformation_json(
        cls: Any,
        /,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        moto_create = original(model, "create_from_cloudformation_json").__func__
        resource = filled(cloudformation_json, entry.values)
        return moto_create(cls, resource_name, resource, account_id, region_name, **kwargs)

    return classmethod(create_from_cloudformation_json)


def patches() -> tuple[Patch, ...]:
    """One patch per listed type: its model's create, with the optional properties filled."""
    return tuple(
        Patch(
            entry.model_class(),
            "create_from_cloudformation_json",
            _create(entry),
            f"an {entry.resource_type} without {', '.join(entry.values)} (optional on AWS) "
            "failed (KeyError, or moto's backend refused None)",
        )
        for entry in listed()
    )

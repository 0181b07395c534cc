"""Properties moto's CloudFormation models drop although their backends support them.

moto 5.2.5's `create_from_cloudformation_json` of some types never reads a property AWS
acts on: an `AWS::RDS::DBInstance` with `ManageMasterUserPassword: true` was made without
its Secrets Manager secret, so `Fn::GetAtt [Db, MasterUserSecret.SecretArn]` failed the
stack where AWS answers it. Each such type and property is data
(autofix/data/curated/moto_dropped_properties.json, with its source): after moto's create,
the properties the template gives are handed to the model's own method that takes them
(`DBInstance.update(manage_master_user_password=True)`). A property moto misreads is taken
out of what its create reads first (a DB instance's `DBSubnetGroupName`, read as a model
object where a template gives a name: AttributeError; `VPCSecurityGroups`, read under a name
the type does not have). Demands are read from the template
as written, before this.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from autofix import data
from autofix.sandbox.cloudformation.patches import Patch, original
from autofix.sandbox.cloudformation.types.attributes import property_value


@dataclass(frozen=True)
class DroppedProperties:
    """One type whose moto model is given, after its create, the properties it drops."""

    resource_type: str
    model: str  # module:Class
    apply: str  # the model's method taking them as keywords
    keywords: Mapping[str, str]  # property path -> keyword

    def model_class(self) -> Any:
        module, _, name = self.model.partition(":")
        return getattr(importlib.import_module(module), name)

    def given(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """The keywords for the properties `properties` sets."""
        found = {path: property_value(properties, path) for path in self.keywords}
        return {self.keywords[path]: value for path, value in found.items() if value is not None}

    def without(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """`properties` less those listed (their top-level property), for moto's create."""
        tops = {path.split(".", 1)[0] for path in self.keywords}
        return {name: value for name, value in properties.items() if name not in tops}


@cache
def listed() -> tuple[DroppedProperties, ...]:
    """Every type the data file lists."""
    types: dict[str, Any] = data.load("curated", "moto_dropped_properties.json")["types"]
    return tuple(
        DroppedProperties(
            resource_type,
            entry["model"],
            entry["apply"],
            {path: prop["keyword"] for path, prop in entry["properties"].items()},
        )
        for resource_type, entry in types.items()
    )


def _create(entry: DroppedProperties) -> classmethod[Any, Any, Any]:
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
        properties = cloudformation_json.get("Properties") or {}
        read = {**cloudformation_json, "Properties": entry.without(properties)}
        made = moto_create(cls, resource_name, read, account_id, region_name, **kwargs)
        keywords = entry.given(properties)
        if keywords:
            getattr(made, entry.apply)(**keywords)
        return made

    return classmethod(create_from_cloudformation_json)


def patches() -> tuple[Patch, ...]:
    """One patch per listed type: its model's create, then the properties it dropped."""
    return tuple(
        Patch(
            entry.model_class(),
            "create_from_cloudformation_json",
            _create(entry),
            f"an {entry.resource_type}'s {', '.join(entry.keywords)} were dropped by moto's "
            "model, and the attributes they make (Fn::GetAtt) failed the stack",
        )
        for entry in listed()
    )

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from autofix import data
from autofix.sandbox.cloudformation.patches import Patch
from autofix.sandbox.cloudformation.types.attributes import property_value
from autofix.sandbox.cloudformation.types.model_create import create_patch


@dataclass(frozen=True)
class DroppedProperties:
    """One type whose moto model is given, after its create, the properties it drops."""

    resource_type: str
    model: str  # module:Class
    apply: str  # the model's method taking them as keywords
    keywords: Mapping[str, str]  # property path -> keyword

    def given(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """The keywords for the properties `properties` sets."""
        found = {path: property_value(properties, path) for path in self.keywords}
        return {self.keywords[path]: value for path, value in found.items() if value is not None}

    @classmethod
    def of(cls, resource_type: str, entry: Mapping[str, Any]) -> DroppedProperties:
        """The type as the data file's `entry` lists it."""
        keywords = {path: p["keyword"] for path, p in entry["properties"].items()}
        return cls(resource_type, entry["model"], entry["apply"], keywords)

    def mends(self) -> str:
        listed = ", ".join(self.keywords)
        return (
            f"an {self.resource_type}'s {listed} were dropped by moto's model, and the "
            "attributes they make (Fn::GetAtt) failed the stack"
        )

    def without(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """`properties` less those listed (their top-level property), for moto's create."""
        tops = {path.split(".", 1)[0] for path in self.keywords}
        return {name: value for name, value in properties.items() if name not in tops}


@cache
def listed() -> tuple[DroppedProperties, ...]:
    """Every type the data file lists."""
    types: dict[str, Any] = data.load("curated", "moto_dropped_properties.json")["types"]
    return tuple(DroppedProperties.of(t, entry) for t, entry in types.items())


def _read(entry: DroppedProperties) -> Callable[[Mapping[str, Any]], Mapping[str, Any]]:
    def read(resource: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**resource, "Properties": entry.without(resource.get("Properties") or {})}

    return read


def _after(entry: DroppedProperties) -> Callable[[Any, Mapping[str, Any]], None]:
    def after(made: Any, properties: Mapping[str, Any]) -> None:
        keywords = entry.given(properties)
        if keywords:
            getattr(made, entry.apply)(**keywords)

    return after


def patches() -> tuple[Patch, ...]:
    """One patch per listed type: its model's create, then the properties it dropped."""
    return tuple(create_patch(e.model, _read(e), _after(e), e.mends()) for e in listed())

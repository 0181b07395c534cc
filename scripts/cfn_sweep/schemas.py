"""The pinned provider schemas, as cfn-lint ships and patches them (us-east-1).

cfn-lint's copy adds what the sweep needs on top of AWS's: `format` keywords naming
the resource a property refers to (`AWS::IAM::Role.Arn`, `AWS::EC2::Subnet.Ids`), and
what `Ref` and `Fn::GetAtt` of each type return (with the same formats).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

REGION = "us-east-1"
Json = dict[str, Any]


@dataclass(frozen=True)
class TypeInfo:
    """One resource type: its schema and what the template builder reads of it."""

    name: str
    schema: Json
    create_only: frozenset[str]  # top-level property names
    read_only: frozenset[str]
    write_only: frozenset[str]
    ids: tuple[str, ...]  # primaryIdentifier, property names

    @property
    def service(self) -> str:
        return self.name.split("::")[1]

    @property
    def noun(self) -> str:
        return self.name.split("::")[2]

    def resolve(self, node: Any) -> Json:
        """`node` with its local `$ref` (`#/definitions/X`) followed, repeatedly."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 20:
            target: Any = self.schema
            for part in str(node["$ref"]).lstrip("#/").split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            merged = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **merged}
            seen += 1
        return node if isinstance(node, dict) else {}


def _names(pointers: Any, nested: bool = True) -> frozenset[str]:
    """Top-level property names of JSON pointers (`/properties/Name/Sub` -> `Name`, unless
    not `nested`: then only pointers to a top-level property count)."""
    return frozenset(
        p.split("/")[2]
        for p in pointers or ()
        if isinstance(p, str)
        and p.startswith("/properties/")
        and (p.count("/") == 2 or (nested and p.count("/") > 2))
    )


@cache
def type_info(name: str) -> TypeInfo:
    """The schema of resource type `name` (KeyError when cfn-lint has none)."""
    try:
        schema: Json = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, name).schema
    except Exception as exc:  # cfn-lint raises its own ResourceNotFoundError
        raise KeyError(name) from exc
    return TypeInfo(
        name=name,
        schema=schema,
        create_only=_names(schema.get("createOnlyProperties")),
        read_only=_names(schema.get("readOnlyProperties"), nested=False),
        write_only=_names(schema.get("writeOnlyProperties"), nested=False),
        ids=tuple(p.split("/")[-1] for p in schema.get("primaryIdentifier") or ()),
    )


def ref_schema(name: str) -> Json:
    """What `Ref` of a resource of type `name` returns, as a JSON schema (with `format`)."""
    schema: Json = PROVIDER_SCHEMA_MANAGER.get_type_ref(name, REGION)
    return schema


def getatt_schemas(name: str) -> dict[str, Json]:
    """Attribute name -> its JSON schema, for every plain `Fn::GetAtt` of type `name`."""
    found: dict[str, Json] = {}
    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, name)
    except Exception:
        return found
    info = type_info(name)
    for attr, pointer in schema.get_atts.items():
        if not isinstance(attr, str) or not attr.replace(".", "").isalnum():
            continue  # a pattern (`Outputs\\..*`), not an attribute to ask for
        node: Any = info.schema
        for part in str(pointer).lstrip("/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        found[attr] = info.resolve(node)
    return found


@cache
def all_types() -> frozenset[str]:
    """Every resource type cfn-lint's us-east-1 provider index lists."""
    return frozenset(PROVIDER_SCHEMA_MANAGER.get_resource_types(REGION))


@cache
def types_by_service() -> dict[str, tuple[str, ...]]:
    """Service (`EC2`) -> its resource types, longest noun first."""
    found: dict[str, list[str]] = {}
    for name in all_types():
        parts = name.split("::")
        if len(parts) == 3 and parts[0] == "AWS":
            found.setdefault(parts[1], []).append(name)
    return {
        service: tuple(sorted(names, key=lambda n: (-len(n.split("::")[2]), n)))
        for service, names in found.items()
    }

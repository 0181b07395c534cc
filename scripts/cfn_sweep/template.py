"""Minimal valid templates for swept resource types, built from their provider schemas.

Each swept type gets one resource with its required properties (values.Synth); every
resource a property refers to is created in the same template (once per type, shared by
the resources that refer to it) with its own required properties, to a bounded depth.
The update template changes one mutable (not createOnly) property of each swept
resource: a description-like string, else its tags, else a required scalar.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scripts.cfn_sweep.references import Target, pointer, target_of
from scripts.cfn_sweep.schemas import Json, TypeInfo, type_info
from scripts.cfn_sweep.values import Synth, _fits

MAX_HELPER_DEPTH = 4
_DESCRIPTIVE = re.compile(r"(Description|Comment|DisplayName|Summary)$")


@dataclass(frozen=True)
class Swept:
    """One swept resource: its type, logical id, and the property the update changes."""

    type: str
    logical_id: str
    update_property: str | None


@dataclass(frozen=True)
class Templates:
    """The deploy and update templates of one stack, and what is in them."""

    deploy: Json
    update: Json
    swept: tuple[Swept, ...]
    helpers: dict[str, str]  # logical id -> type


def logical_id(type_name: str, suffix: str = "") -> str:
    """`AWS::Lambda::Function` -> `LambdaFunction` (+ suffix)."""
    parts = type_name.split("::")[1:]
    return re.sub(r"[^A-Za-z0-9]", "", "".join(parts)) + suffix


class _Builder:
    def __init__(self) -> None:
        self.resources: dict[str, Json] = {}
        self.helpers: dict[tuple[str, int], str] = {}  # (type, index) -> logical id
        self.building: list[str] = []  # types being built (a cycle falls back to a literal)

    def add(self, type_name: str, lid: str, index: int = 0) -> None:
        info = type_info(type_name)
        self.building.append(type_name)
        try:
            props = Synth(info, lid, self._refer, index).properties()
        finally:
            self.building.pop()
        resource: Json = {"Type": type_name}
        if props:
            resource["Properties"] = props
        self.resources[lid] = resource

    def _refer(self, target: Target, index: int) -> Any:
        if target.type in self.building or len(self.building) > MAX_HELPER_DEPTH:
            return None
        key = (target.type, index)
        lid = self.helpers.get(key)
        if lid is None:
            lid = logical_id(target.type, "Dep" + (str(index + 1) if index else ""))
            self.helpers[key] = lid
            try:
                self.add(target.type, lid, index)
            except KeyError:
                del self.helpers[key]
                return None
        return pointer(lid, target)


def build(types: Sequence[str]) -> Templates:
    """The deploy and update templates for `types` (one resource of each) in one stack."""
    builder = _Builder()
    swept: list[Swept] = []
    for type_name in types:  # a swept resource is also what others of the stack refer to
        builder.helpers.setdefault((type_name, 0), logical_id(type_name))
    for type_name in types:
        lid = logical_id(type_name)
        builder.add(type_name, lid)
        swept.append(Swept(type_name, lid, None))
    deploy: Json = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": builder.resources}
    update = copy.deepcopy(deploy)
    changed: list[Swept] = []
    for item in swept:
        resource = update["Resources"][item.logical_id]
        prop = _change_one(type_info(item.type), item.logical_id, resource)
        changed.append(Swept(item.type, item.logical_id, prop))
    own = {s.logical_id for s in swept}
    helpers = {lid: t for (t, _), lid in builder.helpers.items() if lid not in own}
    return Templates(deploy, update, tuple(changed), helpers)


def _change_one(info: TypeInfo, lid: str, resource: Json) -> str | None:
    """Change one mutable property of `resource` in place; its name, or None when none can."""
    props: Json = resource.setdefault("Properties", {})
    properties: Json = info.schema.get("properties") or {}
    fixed = info.create_only | info.read_only
    mutable = {n: info.resolve(s) for n, s in properties.items() if n not in fixed}
    for name, node in sorted(mutable.items()):
        if _DESCRIPTIVE.search(name) and node.get("type") == "string" and not node.get("enum"):
            text = "changed by the sweep"
            if _fits(text, node) and props.get(name) != text:
                props[name] = text
                return name
    tag = _tag_property(info)
    if tag and tag in mutable:
        node = mutable[tag]
        if node.get("type") == "array":
            item = info.resolve(node.get("items"))
            tag_item: Json = {"Key": "sweep", "Value": "changed"}
            for name in item.get("required") or []:  # PropagateAtLaunch, for instance
                kind = info.resolve((item.get("properties") or {}).get(name)).get("type")
                tag_item.setdefault(name, False if kind == "boolean" else "sweep")
            props[tag] = [*props.get(tag, []), tag_item]
        else:
            props[tag] = {**props.get(tag, {}), "sweep": "changed"}
        return tag
    for name in sorted(props):  # a property it has: a scalar, else one inside an object
        if name in mutable:
            new = _varied(info, mutable[name], props[name])
            if new is not None:
                props[name] = new
                return name
    for name, node in sorted(mutable.items()):  # an optional scalar it does not have yet
        if name in props or name in info.write_only or _kind_of(node) not in _SCALARS:
            continue
        if target_of(info, (name,), node) is not None:
            continue  # a reference: the update would point it at nothing
        value = Synth(info, lid, lambda _target, _index: None).value(node, (name,))
        if isinstance(value, _SCALAR_VALUES) and value != "sweep":
            props[name] = value
            return name
    if not resource["Properties"]:
        del resource["Properties"]
    return None


def _tag_property(info: TypeInfo) -> str | None:
    tagging = info.schema.get("tagging") or {}
    if not tagging.get("taggable", True) or tagging.get("tagUpdatable") is False:
        return None
    prop = str(tagging.get("tagProperty") or "/properties/Tags").split("/")[-1]
    return prop if prop in (info.schema.get("properties") or {}) else None


_SCALARS = ("string", "integer", "number", "boolean")
_SCALAR_VALUES = (str, int, float, bool)


def _kind_of(node: Json) -> str | None:
    kind = node.get("type")
    return kind if isinstance(kind, str) else None


def _varied(info: TypeInfo, node: Json, old: Any, depth: int = 0) -> Any:
    """`old` with one scalar changed (itself, or one inside it), or None."""
    if isinstance(old, dict) and not _is_intrinsic(old) and depth < 6:
        properties = node.get("properties") or {}
        for key in sorted(old):
            if key in properties:
                new = _varied(info, info.resolve(properties[key]), old[key], depth + 1)
                if new is not None:
                    return {**old, key: new}
        return None
    if isinstance(old, list) and old and depth < 6:
        item = info.resolve(node.get("items"))
        new = _varied(info, item, old[0], depth + 1)
        return [new, *old[1:]] if new is not None else None
    return _another(node, old)


def _is_intrinsic(value: Json) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))


def _another(node: Json, old: Any) -> Any:
    """A different valid value for a scalar property, or None."""
    if isinstance(old, (dict, list)):
        return None
    enum = node.get("enum")
    if enum:
        others = [e for e in enum if e != old]
        return others[0] if others else None
    if isinstance(old, bool):
        return not old
    if isinstance(old, int | float):
        new = old + 1
        high = node.get("maximum")
        if high is not None and new > high:
            new = old - 1
            low = node.get("minimum")
            if low is not None and new < low:
                return None
        return new
    if isinstance(old, str) and not node.get("format"):
        for candidate in (f"{old}2", f"{old}b", old[:-1] + ("b" if old[-1:] != "b" else "c")):
            if candidate != old and _fits(candidate, node):
                return candidate
    return None

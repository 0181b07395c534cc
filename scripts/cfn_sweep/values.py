"""A value a provider schema accepts for one property, synthesised from its JSON schema.

The first that applies: the override file; a reference to another resource (created by
the caller and pointed at with Ref/Fn::GetAtt); `const`, `enum` (and cfn-lint's
case-insensitive and per-region enums); then by type: objects get their required
properties (with the first branch of `oneOf`/`anyOf`, `requiredXor`, and what cfn-lint's
conditional rules require), arrays `minItems` (at least one) items, strings their
`format`, a name made of the logical id when the pattern takes it, or a sample of the
pattern within the length bounds, numbers their lower bound.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

import regex

from scripts.cfn_sweep import extensions, overrides
from scripts.cfn_sweep.references import Target, target_of
from scripts.cfn_sweep.regex_sample import sample
from scripts.cfn_sweep.schemas import Json, TypeInfo

Refer = Callable[[Target, int], Any]
"""Creates the `index`th resource of the target's type (or finds it) and returns Ref or
Fn::GetAtt of it, or None when it cannot."""

_FORMATS: dict[str, Any] = {
    "date-time": "2030-01-01T00:00:00Z",
    "timestamp": "2030-01-01T00:00:00Z",
    "ipv4-network": "10.0.0.0/16",
    "ipv6-network": "2001:db8::/56",
    "uri": "https://example.com/sweep",
    "email": "sweep@example.com",
    "int64": "1",
    "double": "1.0",
}
_MAX_DEPTH = 12


class Synth:
    """Synthesises the properties of one resource of `info`'s type (the `index`th of it)."""

    def __init__(self, info: TypeInfo, logical_id: str, refer: Refer, index: int = 0) -> None:
        self.info = info
        self.logical_id = logical_id
        self.refer = refer
        self.index = index

    def properties(self) -> Json:
        """The resource's required properties (its top-level schema is an object schema)."""
        found = self.value(self.info.schema, ())
        props = found if isinstance(found, dict) else {}
        for name, extra in overrides.extras(self.info.name).items():
            props.setdefault(name, self.materialise(extra))
        schema_props = self.info.schema.get("properties") or {}
        for name in extensions.also_required(self.info.name, props):
            if name in schema_props:
                props[name] = self.value(schema_props[name], (name,))
        return props

    def value(self, raw: Any, path: tuple[str, ...]) -> Any:
        node = self.info.resolve(raw)
        if path:
            found = overrides.value(self.info.name, path)
            if not overrides.missing(found):
                return self._typed(self.materialise(found), node)
        fmt = node.get("format") or self.info.resolve(node.get("items")).get("format")
        literal = overrides.format_value(str(fmt or ""))
        if not overrides.missing(literal):
            return [literal] if node.get("type") == "array" else literal
        target = target_of(self.info, path, node) if path else None
        if target is not None and not (target.many and _kind(node) != "array"):
            count = max(int(node.get("minItems") or 0), 1) if target.many else 1
            pointed = [self.refer(target, index) for index in range(count)]
            if all(p is not None for p in pointed):
                return pointed if target.many else pointed[0]
        if "const" in node:
            return node["const"]
        enum = node.get("enum") or node.get("enumCaseInsensitive")
        enum = enum or (extensions.enum_for(self.info.name, path[-1]) if path else ())
        if enum:
            return enum[0]
        kind = _kind(node)
        if kind == "object":
            return self._object(node, path) if len(path) <= _MAX_DEPTH else {}
        if kind == "array":
            return self._array(node, path) if len(path) <= _MAX_DEPTH else []
        if kind in ("integer", "number"):
            return _number(node, kind)
        if kind == "boolean":
            return False
        branch = _first_branch(node)
        if branch is not None and kind is None:
            return self.value({**_without_branches(node), **self.info.resolve(branch)}, path)
        return self.string(node, path)

    def _object(self, node: Json, path: tuple[str, ...]) -> Json:
        properties = dict(node.get("properties") or {})
        branch = self.info.resolve(_first_branch(node) or {})
        for name, extra in (branch.get("properties") or {}).items():
            base = self.info.resolve(properties.get(name, {}))
            properties[name] = {**base, **self.info.resolve(extra)}
        given = overrides.extras(self.info.name) if not path else {}
        chosen = required_of(node, branch, given)
        if not chosen and properties and int(node.get("minProperties") or 0) > 0:
            chosen = [next(iter(properties))]
        found: Json = {}
        for name in chosen:
            if name in properties and not (not path and name in self.info.read_only):
                found[name] = self.value(properties[name], (*path, name))
        if not found and int(node.get("minProperties") or 0) > 0 and not properties:
            found.update(self._keyed(node, path))
        return found

    def _keyed(self, node: Json, path: tuple[str, ...]) -> Json:
        """One entry of a map: a key its `patternProperties` take, or any key."""
        for pattern, schema in (node.get("patternProperties") or {}).items():
            key = sample(pattern)
            if key is not None:
                return {key: self.value(schema, (*path, key))}
        extra = node.get("additionalProperties")
        return {
            "sweep": self.value(extra, (*path, "sweep")) if isinstance(extra, dict) else "sweep"
        }

    def _array(self, node: Json, path: tuple[str, ...]) -> list[Any]:
        count = max(int(node.get("minItems") or 0), 1)
        item = node.get("items")
        prefix = [p for p in node.get("prefixItems") or [] if isinstance(p, dict)]
        values = []
        for index in range(count):
            schema = self.info.resolve(item) if isinstance(item, dict) else {"type": "string"}
            if index < len(prefix):
                schema = _merged(schema, self.info.resolve(prefix[index]))
            values.append(self.value(schema, path))
        if node.get("uniqueItems") and count > 1:
            values = [_distinct(v, index) for index, v in enumerate(values)]
        return values

    def string(self, node: Json, path: tuple[str, ...]) -> Any:
        """A string for `node` (and for one of its `anyOf`/`oneOf` branches, when it has them)."""
        branches = [
            self.info.resolve(b)
            for key in ("anyOf", "oneOf")
            for b in node.get(key) or []
            if isinstance(b, dict)
        ]
        for branch in branches or [{}]:
            found = self._string([node, branch] if branch else [node])
            if found is not None:
                return found
        low = int(node.get("minLength") or 0)
        text = "sweep" + "x" * max(0, low - 5)
        return text[: int(node["maxLength"])] if node.get("maxLength") is not None else text

    def _string(self, nodes: list[Json]) -> Any:
        def fits(text: str) -> bool:
            return all(_fits(text, n) for n in nodes)

        for node in nodes:
            fmt = node.get("format")
            if fmt == "json":
                return {}
            if isinstance(fmt, str) and fmt in _FORMATS and fits(_FORMATS[fmt]):
                return _FORMATS[fmt]
        low = max(int(n.get("minLength") or 0) for n in nodes)
        highs = [int(n["maxLength"]) for n in nodes if n.get("maxLength") is not None]
        high = min(highs) if highs else None
        name = f"sw{self.logical_id.lower()}"
        for candidate in (name, name.replace("sw", "Sw", 1), "sweep", f"sweep-{name}"):
            text = candidate + "x" * max(0, low - len(candidate))
            if fits(text):
                return text
        for node in nodes:
            pattern = node.get("pattern")
            if isinstance(pattern, str):
                found = sample(pattern, low, high, fits)
                if found is not None:
                    return found
        return None

    def materialise(self, value: Any) -> Any:
        """An override's value with each `{"$ref": TYPE, "want": ...}` made a real pointer
        and `{index}` in its strings replaced by this resource's index among its type's."""
        if isinstance(value, dict) and "$ref" in value:
            want = str(value.get("want") or "Id")
            pointed = self.refer(Target(str(value["$ref"]), want), int(value.get("index", 0)))
            return pointed if pointed is not None else "sweep"
        if isinstance(value, dict):
            return {k: self.materialise(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.materialise(v) for v in value]
        if isinstance(value, str):
            return value.replace("{index}", str(self.index))
        return value

    def _typed(self, value: Any, node: Json) -> Any:
        """A JSON document where the schema wants it as a string (a policy, for instance);
        `Fn::Sub`s inside it become one `Fn::Sub` of the whole text."""
        if node.get("type") != "string" or not isinstance(value, dict) or _intrinsic(value):
            return value
        subs: list[str] = []

        def inline(item: Any) -> Any:
            if isinstance(item, dict) and set(item) == {"Fn::Sub"}:
                subs.append(str(item["Fn::Sub"]))
                return item["Fn::Sub"]
            if isinstance(item, dict):
                return {k: inline(v) for k, v in item.items()}
            if isinstance(item, list):
                return [inline(v) for v in item]
            return item

        text = json.dumps(inline(value))
        return {"Fn::Sub": text} if subs else text


def required_of(node: Json, branch: Json | None = None, given: Collection[str] = ()) -> list[str]:
    """The properties an object schema requires, with the first branch of each choice
    (`requiredXor`, `oneOf`, `anyOf`; of a `requiredXor` or `requiredOr`, the option the
    override file `given`s, when it gives one), those its `allOf` parts require, and their
    dependents."""
    chosen = [str(r) for r in node.get("required") or []]
    for key in ("requiredXor", "requiredOr"):
        options = node.get(key) or []
        if options and not any(o in chosen or o in given for o in options):
            chosen.append(str(options[0]))
    branch = branch if branch is not None else _first_branch(node) or {}
    wanted = branch.get("required") or list(branch.get("properties") or {})[:1]
    chosen.extend(str(n) for n in wanted if n not in chosen)
    for part in node.get("allOf") or []:
        if isinstance(part, dict) and "if" not in part:
            chosen.extend(n for n in required_of(part) if n not in chosen)
    for name, needs in (node.get("dependentRequired") or {}).items():
        if name in chosen:
            chosen.extend(str(n) for n in needs if n not in chosen)
    return chosen


def _first_branch(node: Json) -> Json | None:
    for key in ("oneOf", "anyOf"):
        branches = [b for b in node.get(key) or [] if isinstance(b, dict)]
        for branch in branches:
            if "not" not in branch:
                return branch
    return None


def _without_branches(node: Json) -> Json:
    return {k: v for k, v in node.items() if k not in ("oneOf", "anyOf")}


def _merged(base: Json, extra: Json) -> Json:
    merged = {**base, **extra}
    if "required" in base or "required" in extra:
        merged["required"] = list(
            dict.fromkeys([*base.get("required", []), *extra.get("required", [])])
        )
    if "properties" in base and "properties" in extra:
        merged["properties"] = {
            name: {**base["properties"].get(name, {}), **extra["properties"].get(name, {})}
            for name in {**base["properties"], **extra["properties"]}
        }
    return merged


def _distinct(value: Any, index: int) -> Any:
    """`value` made different from its siblings of a unique list (the `index`th of them)."""
    if not index:
        return value
    if isinstance(value, str):
        return f"{value}{index}"
    if isinstance(value, dict):
        return {
            k: f"{v}{index}" if isinstance(v, str) and not k.endswith("Type") else v
            for k, v in value.items()
        }
    return value


def _intrinsic(value: Json) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))


def _kind(node: Json) -> str | None:
    kind = node.get("type")
    if isinstance(kind, list):
        for preferred in ("object", "string", "array", "integer", "number", "boolean"):
            if preferred in kind:
                return preferred
        return None
    if kind is None and ("properties" in node or "required" in node):
        return "object"
    return str(kind) if kind else None


def _number(node: Json, kind: str) -> int | float:
    low = node.get("minimum")
    if low is None and node.get("exclusiveMinimum") is not None:
        low = node["exclusiveMinimum"] + 1
    high = node.get("maximum")
    value: float = max(low, 1) if low is not None else 1
    if high is not None and value > high:
        value = high
    step = node.get("multipleOf")
    if step and value % step:
        value = (value // step + 1) * step
    return int(value) if kind == "integer" else value


def _fits(text: str, node: Json) -> bool:
    if len(text) < int(node.get("minLength") or 0):
        return False
    if node.get("maxLength") is not None and len(text) > int(node["maxLength"]):
        return False
    pattern = node.get("pattern")
    try:
        return not isinstance(pattern, str) or bool(regex.search(pattern, text))
    except regex.error:
        return True

"""What cfn-lint checks beyond the provider schemas: its extension schemas (pinned package).

Two kinds matter to a minimal template: the region's allowed values of a property the
schema types only as a string (`aws_dax_cluster/nodetype_enum.json`: DAX node types,
keyed by region), and properties required under a condition (`if`/`then`/`else` on the
resource's properties: a REST API needs `Name` unless it has a `Body`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator

from scripts.cfn_sweep.schemas import REGION, Json

_ROOT = resources.files("cfnlint") / "data" / "schemas" / "extensions"


def _directory(type_name: str) -> str:
    return type_name.lower().replace("::", "_")


@cache
def _enums() -> dict[tuple[str, str], tuple[Any, ...]]:
    """(directory, property name lower-case) -> the values allowed in the sweep's region."""
    found: dict[tuple[str, str], tuple[Any, ...]] = {}
    for folder in _ROOT.iterdir():
        if not folder.is_dir():
            continue
        for item in folder.iterdir():
            if not item.name.endswith("_enum.json"):
                continue
            prop = item.name.removesuffix("_enum.json").split("_")[-1]
            data = json.loads(item.read_text())
            values = (data.get(REGION) or {}).get("enum") or ()
            if values:
                found[(folder.name, prop)] = tuple(values)
    return found


def enum_for(type_name: str, prop: str) -> tuple[Any, ...]:
    """The allowed values of property `prop` of `type_name` that cfn-lint knows, or ()."""
    directory = _directory(type_name)
    name = prop.lower()
    exact = [v for (f, n), v in sorted(_enums().items()) if f == directory and _same(n, name)]
    if exact:
        return exact[0]
    service = "_".join(directory.split("_")[:2]) + "_"  # aws_sagemaker_: its files agree on
    lists = [
        v for (f, n), v in sorted(_enums().items()) if f.startswith(service) and _same(n, name)
    ]
    common = [v for v in lists[0] if all(v in other for other in lists)] if lists else []
    return tuple(common) or (lists[0] if lists else ())


def _same(stem: str, name: str) -> bool:
    """A file stem names the property, or the end of it (`instancetype`: HostInstanceType)."""
    return len(min(stem, name, key=len)) >= 4 and (stem.endswith(name) or name.endswith(stem))


@cache
def _conditions(type_name: str) -> tuple[Json, ...]:
    folder = _ROOT / _directory(type_name)
    if not folder.is_dir():
        return ()
    found: list[Json] = []
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if not item.name.endswith(".json") or item.name.endswith("_enum.json"):
            continue
        data = json.loads(item.read_text())
        for rule in data.get("allOf") or [data]:
            if isinstance(rule, dict) and "if" in rule:
                found.append(rule)
    return tuple(found)


def also_required(type_name: str, properties: Json) -> list[str]:
    """Top-level properties cfn-lint requires of `properties` by its conditional rules."""
    needed: list[str] = []
    for rule in _conditions(type_name):
        try:
            holds = Draft7Validator(rule["if"]).is_valid(properties)
        except Exception:  # a rule our values cannot be judged by
            continue
        branch = rule.get("then" if holds else "else") or {}
        for name in branch.get("required") or []:
            if name not in properties and name not in needed:
                needed.append(str(name))
    return needed

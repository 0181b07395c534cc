"""The sweep's hand-kept knowledge: overrides.json beside this file (each entry cites a source)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FILE = Path(__file__).with_name("overrides.json")
_MISSING = object()


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
    return data


def noun_type(noun: str, exact: bool = False) -> str | None:
    """The type a resource noun of another service names (`KmsKey` -> AWS::KMS::Key).

    Unless `exact`, a longer noun that ends with a listed one counts (`CloudWatchLogsLogGroup`).
    """
    nouns: dict[str, dict[str, str]] = _data()["nouns"]
    if noun in nouns:
        return nouns[noun]["type"]
    if exact:
        return None
    for listed in sorted(nouns, key=len, reverse=True):
        if noun.endswith(listed):
            return nouns[listed]["type"]
    return None


def noun_ending(noun: str) -> str | None:
    """The longest listed noun `noun` ends with, when longer than it (`FirmwareUpdateRole`:
    `Role`)."""
    nouns: dict[str, dict[str, str]] = _data()["nouns"]
    ends = [n for n in nouns if noun.endswith(n) and noun != n]
    return max(ends, key=len) if ends else None


def noun_want(noun: str) -> str | None:
    """What a property named by the bare noun holds (`Role`: its ARN), when listed."""
    entry = _data()["nouns"].get(noun) or {}
    found = entry.get("want")
    return str(found) if found else None


def format_type(fmt: str) -> str | None:
    """The resource type a cfn-lint format names when it is not the format's own prefix."""
    entry = _data()["formats"].get(fmt) or {}
    found = entry.get("type")
    return str(found) if found else None


def format_value(fmt: str) -> Any:
    """A literal for a format that names nothing a template can create, or _MISSING."""
    entry = _data()["formats"].get(fmt) or {}
    return entry.get("value", _MISSING)


def value(type_name: str, path: tuple[str, ...]) -> Any:
    """The override for property `path` of `type_name` (or of `*`), or `missing()`."""
    values: dict[str, dict[str, Any]] = _data()["values"]
    dotted = ".".join(path)
    service = "::".join(type_name.split("::")[:2])
    for key in (f"{type_name}.{dotted}", f"{service}::*.{dotted}", f"*.{path[-1]}" if path else ""):
        if key in values:
            return values[key]["value"]
    return _MISSING


def extras(type_name: str) -> dict[str, Any]:
    """Optional properties of `type_name` the builder sets all the same (`"optional": true`)."""
    values: dict[str, dict[str, Any]] = _data()["values"]
    prefix = f"{type_name}."
    return {
        key.removeprefix(prefix): entry["value"]
        for key, entry in values.items()
        if key.startswith(prefix) and entry.get("optional") and "." not in key.removeprefix(prefix)
    }


def cannot(type_name: str) -> str | None:
    """Why AWS itself cannot run the sweep's steps for `type_name` (None: nothing known)."""
    entry = (_data().get("cannot") or {}).get(type_name) or {}
    found = entry.get("reason")
    return str(found) if found else None


def missing(found: Any) -> bool:
    return found is _MISSING


def sources() -> dict[str, str]:
    """Every entry's key and source (tests check that each one has one)."""
    data = _data()
    return {
        f"{section}:{key}": str(entry.get("source") or "")
        for section in ("nouns", "formats", "values", "cannot")
        for key, entry in data[section].items()
    }

"""A deploy tool's own calls that depend on what its template holds, as curated data.

A profile is learnt from a demo, so a call the tool makes only for a kind of resource the
demo lacks is not in it: osls's deploy reads back each API key it made
(`autofix/data/curated/tool_template_calls.json`, each entry with its source). These are
added to the profile's calls for a step whose template holds such a resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from autofix import data
from autofix.predict.profile import Call

__all__ = ["template_calls"]


@cache
def _entries() -> Mapping[str, Mapping[str, list[dict[str, Any]]]]:
    loaded: Mapping[str, Mapping[str, list[dict[str, Any]]]] = data.load(
        "curated", "tool_template_calls.json"
    )["profiles"]
    return loaded


def _holds(template: Mapping[str, Any], when: Mapping[str, str]) -> bool:
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return False
    pattern = re.compile(when.get("logical_id") or "")
    return any(
        isinstance(body, dict)
        and body.get("Type") == when["type"]
        and pattern.search(str(logical_id))
        for logical_id, body in resources.items()
    )


def template_calls(profile: str, verb: str, template: Mapping[str, Any]) -> tuple[Call, ...]:
    """The calls profile `profile`'s tool makes for `verb` because `template` holds what
    each names (placeholders unfilled, as a profile's)."""
    entries = _entries().get(profile, {}).get(verb, [])
    return tuple(
        Call(str(e["action"]), str(e["resource"])) for e in entries if _holds(template, e["when"])
    )

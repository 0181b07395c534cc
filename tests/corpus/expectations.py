"""What each corpus service must end with: its key actions and what may stay unverified.

Read from `playground/corpus/<service>/expected.toml` and the shared `baseline.toml`
(both cite AWS documentation per action), and matched against a run's final policy the
way IAM matches: `*` and `?` wildcards, action names case-insensitive.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO

CORPUS = REPO / "playground" / "corpus"
BASELINE = CORPUS / "baseline.toml"


@dataclass(frozen=True)
class KeyAction:
    """An action a real account demands, optionally on an example resource it must cover."""

    action: str
    resource: str | None
    why: str
    source: str


@dataclass(frozen=True)
class Unverifiable:
    """A resource the sandbox cannot check, with the reason."""

    type: str
    logical_id: str
    why: str


@dataclass(frozen=True)
class Expected:
    actions: tuple[KeyAction, ...]
    unverified: tuple[Unverifiable, ...]


def services() -> list[str]:
    """Every corpus service (a directory with an autofix.toml), by name."""
    return sorted(p.parent.name for p in CORPUS.glob("*/autofix.toml"))


def _actions(entries: Iterable[Mapping[str, Any]]) -> list[KeyAction]:
    return [KeyAction(e["action"], e.get("resource"), e["for"], e["source"]) for e in entries]


def load_expected(service: str) -> Expected:
    """The service's key actions (its own and the baseline sets it includes)."""
    own = tomllib.loads((CORPUS / service / "expected.toml").read_text(encoding="utf-8"))
    baseline = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    actions = [a for name in own.get("include", []) for a in _actions(baseline[name])]
    actions += _actions(own.get("actions", []))
    unverified = tuple(
        Unverifiable(u["type"], u["logical_id"], u["why"]) for u in own.get("unverified", [])
    )
    return Expected(tuple(actions), unverified)


def _matches(pattern: str, value: str, ignore_case: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def covers(policy: Mapping[str, Any], key: KeyAction, region: str, account: str) -> bool:
    """True when an Allow statement grants the action (on the example resource, if any)."""
    resource = None
    if key.resource is not None:
        resource = key.resource.replace("${Region}", region).replace("${Account}", account)
    for statement in policy.get("Statement", []):
        if statement.get("Effect") != "Allow" or "Action" not in statement:
            continue
        if not any(_matches(a, key.action, True) for a in _listed(statement["Action"])):
            continue
        if resource is None or any(
            _matches(r, resource, False) for r in _listed(statement.get("Resource", []))
        ):
            return True
    return False


def service_dir(service: str) -> Path:
    return CORPUS / service

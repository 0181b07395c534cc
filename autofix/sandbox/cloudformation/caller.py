"""Whose permissions CloudFormation acts with, and the one place they are evaluated.

CloudFormation calls resource handlers with the credentials of the principal
that called CreateStack/UpdateStack/ExecuteChangeSet/DeleteStack, or with the
stack's service role when one was passed as RoleARN.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from moto.iam.access_control import (
    CreateAccessKeyFailure,
    IAMPolicy,
    create_access_key,
)
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition

from autofix.sandbox.fidelity import authz, enforcement, propagation
from autofix.sandbox.records import access_log

SERVICE_ROLE_SESSION = "AWSCloudFormation"


@dataclass(frozen=True)
class Caller:
    """A principal: its ARN and a way to read its current identity policies."""

    arn: str
    policies: Callable[[], list[Any]]


class Verdict(Enum):
    ALLOWED = "allowed"
    IMPLICIT_DENY = "implicit"
    EXPLICIT_DENY = "explicit"


def caller_from_headers(account_id: str, headers: Mapping[str, str]) -> Caller | None:
    """The principal that signed a request, or None when the key is unknown."""
    auth = headers.get("Authorization") or headers.get("authorization") or ""
    if "Credential=" not in auth:
        return None
    credential = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    if len(credential) < 3:
        return None
    try:
        key = create_access_key(
            account_id=account_id,
            partition=get_partition(credential[2]),
            access_key_id=credential[0],
            headers=dict(headers),
        )
    except CreateAccessKeyFailure:
        return None
    return Caller(arn=key.arn, policies=key.collect_policies)


def caller_for_role(account_id: str, role_arn: str) -> Caller:
    """A service role as CloudFormation assumes it."""
    partition = role_arn.split(":")[1] if role_arn.count(":") >= 5 else "aws"
    role_name = role_arn.rsplit("/", 1)[-1]

    def policies() -> list[Any]:
        backend = iam_backends[account_id][partition]
        found: list[Any] = []
        for name in backend.list_role_policies(role_name):
            found.append(backend.get_role_policy(role_name, name)[1])
        attached, _ = backend.list_attached_role_policies(role_name)
        found.extend(attached)
        return found

    arn = f"arn:{partition}:sts::{account_id}:assumed-role/{role_name}/{SERVICE_ROLE_SESSION}"
    return Caller(arn=arn, policies=policies)


def evaluate(
    caller: Caller,
    action: str,
    resource: str,
    region: str = "",
    extra: Mapping[str, Sequence[str]] | None = None,
) -> Verdict:
    """Is `caller` allowed `action` on `resource`? (The single evaluation point.)

    Uses the request path's evaluation (`authz.evaluate`: case-insensitive actions,
    resource-aware, NotAction/NotResource, conditions against the global keys and `extra`,
    explicit deny wins), and records allowed actions in the sandbox's access log.
    """
    documents = [IAMPolicy(p)._policy_json for p in caller.policies()]
    parsed = propagation.effective(
        caller.arn, [d if isinstance(d, dict) else json.loads(d) for d in documents]
    )
    context = authz.request_context(caller.arn, resource, region, extra)
    outcome = authz.evaluate(parsed, action, resource, context)
    if outcome == "implicit" and enforcement.soft_allowed(caller.arn, action, resource):
        return Verdict.ALLOWED  # soft mode (`--strategy observe`): recorded, allowed
    if outcome == "allowed":
        access_log.record(caller.arn, action, resource)
        return Verdict.ALLOWED
    return Verdict.EXPLICIT_DENY if outcome == "explicit-identity" else Verdict.IMPLICIT_DENY


_SERVICE_NAMES = {
    "apigateway": "ApiGateway",
    "dynamodb": "DynamoDb",
    "ec2": "Ec2",
    "events": "EventBridge",
    "iam": "Iam",
    "kms": "Kms",
    "lambda": "Lambda",
    "logs": "CloudWatchLogs",
    "s3": "S3",
    "sns": "Sns",
    "sqs": "Sqs",
    "ssm": "Ssm",
}
# JSON-protocol services answer AccessDeniedException with HTTP 400
_STATUS_400 = frozenset({"dynamodb", "events", "logs", "ssm", "kms"})


def access_denied_reason(caller: Caller, action: str, resource: str, verdict: Verdict) -> str:
    """A ResourceStatusReason worded like a real CloudFormation handler failure."""
    if verdict is Verdict.EXPLICIT_DENY:
        why = "with an explicit deny in an identity-based policy"
    else:
        why = f"because no identity-based policy allows the {action} action"
    service = action.split(":", 1)[0]
    inner = (
        f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource} "
        f"{why} (Service: {_SERVICE_NAMES.get(service, service.capitalize())}, "
        f"Status Code: {400 if service in _STATUS_400 else 403}, Request ID: {uuid.uuid4()})"
    )
    return handler_failure_reason(inner, "AccessDenied")


def handler_failure_reason(message: str, error_code: str) -> str:
    return (
        f'Resource handler returned message: "{message}" '
        f"(RequestToken: {uuid.uuid4()}, HandlerErrorCode: {error_code})"
    )

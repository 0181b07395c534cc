"""Authorise every sandbox request with its real IAM action and resource ARN.

Replaces moto's `ActionAuthenticatorMixin._authenticate_and_authorize_*`
(moto 5.2.5): the signature and access-key checks stay moto's; the action name
(`actions`), the resource (`resources`), the decision (`authz`), the response
envelope (`envelopes`) and the deny log (`deny_log`) are ours.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlparse

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse
from moto.iam.exceptions import NotFoundException
from moto.utilities.utils import get_partition
from werkzeug.exceptions import HTTPException

from autofix.policy.conditions import PASS_ROLE
from autofix.sandbox.fidelity.actions import iam_action, iam_prefix, s3_action_name
from autofix.sandbox.fidelity.authz import Decision, authorize
from autofix.sandbox.fidelity.envelopes import ErrorResponse, access_denied
from autofix.sandbox.fidelity.request_keys import passed_roles, request_keys, told_keys
from autofix.sandbox.fidelity.resources import RequestFacts, resource_arn
from autofix.sandbox.fidelity.s3_delete_objects import authorize_each_object
from autofix.sandbox.fidelity.s3_operations import s3_operation
from autofix.sandbox.records import access_log, json_object
from autofix.sandbox.records.deny_log import DenyLogWriter, DenyRecord

_DENIAL_ATTR = "_autofix_denial"
_writer: DenyLogWriter | None = None
_soft_writer: DenyLogWriter | None = None
"""Soft mode (`--strategy observe`): where implicit denials are recorded instead."""
_installed = False


class _Denied(HTTPException):
    """A denial in its protocol's envelope (moto's call_action catches HTTPException)."""

    def __init__(self, response: ErrorResponse) -> None:
        super().__init__(description=response.body)
        self.code = response.status
        self.response_parts = response

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return list(self.response_parts.headers.items())

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return self.response_parts.body


def _params(resp: Any) -> dict[str, Any]:
    """The request's parameters: query/form fields, URI labels and JSON body members."""
    params: dict[str, Any] = dict(resp.querystring or {})
    params.update(getattr(resp, "uri_match", None) or {})
    parsed = getattr(resp, "params", None)  # moto's automated parameter parsing
    if isinstance(parsed, dict):
        params.update(parsed)
    for body in (resp.raw_body, resp.body):
        if isinstance(body, dict):
            params.update(body)
            continue
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        if isinstance(body, str) and body.lstrip().startswith("{"):
            params.update(json_object(body) or {})
    return params


def _protocol(resp: Any) -> str:
    try:
        from moto.core.request import determine_request_protocol
        from moto.core.utils import get_service_model

        model = get_service_model(resp.boto3_service_name)
        return determine_request_protocol(model, resp.headers.get("Content-Type", ""))
    except Exception:
        return "query"


def _moto_iam_request(resp: Any, iam_request_cls: type, operation: str) -> Any:
    """moto's own request object: it checks the access key and the signature."""
    path = resp.raw_path
    query = urlparse(resp.uri).query
    if query:
        path += "?" + query
    return iam_request_cls(
        account_id=resp.current_account,
        method=resp.method,
        path=path,
        data=resp.data,
        body=resp.raw_body,
        headers=resp.headers,
        action=operation,
    )


def _auth_enabled(resp: Any) -> bool:
    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        ActionAuthenticatorMixin.request_count += 1
        return False
    target = resp.headers.get("X-Amz-Target")
    return target not in ActionAuthenticatorMixin.PUBLIC_OPERATIONS


def _enforce(
    resp: Any,
    iam_request_cls: type,
    operation: str,
    action_of: Callable[[str], str],
    resource_of: Callable[[str], str],
    raise_denied: Callable[[Decision, str], None],
) -> None:
    iam_request = _moto_iam_request(resp, iam_request_cls, operation)
    iam_request.check_signature()
    prefix = iam_prefix(iam_request._service, resp.boto3_service_name)
    action = action_of(prefix)
    if action.lower() == "sts:getcalleridentity":
        return  # real AWS: always allowed, even under an explicit deny
    resource = resource_of(action)
    partition = get_partition(resp.region)
    access_key_id = iam_request._access_key._access_key_id
    params = _params(resp)
    checks = [(action, resource, request_keys(action, resource, params), "")]
    for passed in passed_roles(prefix, operation or "", params):  # roles passed: as IAM checks
        role = passed.role
        if not role.startswith("arn:"):  # a role's name (Glue's `Role` takes either)
            role = f"arn:{partition}:iam::{resp.current_account}:role/{role}"
        checks.append((PASS_ROLE, role, passed.keys, passed.service))
    for checked, on, keys, passed_to in checks:
        decision = authorize(
            resp.current_account, access_key_id, checked, on, partition, resp.region, keys
        )
        if decision.allowed and not may_assume(
            iam_request.backend, checked, on, decision.principal_arn
        ):
            decision = Decision("implicit", decision.principal_arn, checked, on)
        if decision.allowed:
            access_log.record(decision.principal_arn, checked, on)
            continue
        request_id = str(uuid.uuid4())
        record = DenyRecord(
            time=datetime.now(UTC).isoformat(),
            principal=decision.principal_arn,
            access_key_id=access_key_id,
            action=checked,
            resource=on,
            deny=decision.outcome,
            message=decision.message,
            service=prefix,
            operation=operation or "",
            request_id=request_id,
            passed_to=passed_to,
            request_keys=told_keys(checked, keys),
        )
        if _soft_writer is not None and decision.outcome == "implicit":
            # soft mode: record what would be denied, and allow it (explicit denies stay)
            _soft_writer.write(record)
            access_log.record(decision.principal_arn, checked, on)
            continue
        if _writer is not None:
            _writer.write(record)
        raise_denied(decision, request_id)


def enforced() -> bool:
    """Is IAM enforced yet? (moto lets its first INITIAL_NO_AUTH_ACTION_COUNT requests pass.)"""
    return bool(ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT)


def soft_allowed(principal: str, action: str, resource: str, operation: str = "") -> bool:
    """In soft mode, record an implicit denial met outside the request path (CloudFormation's
    resource handlers) and allow it; False when not in soft mode."""
    if _soft_writer is None:
        return False
    _soft_writer.write(
        _outside_record(
            principal,
            action,
            resource,
            "implicit",
            operation,
            f"soft mode: {action} on {resource} would be denied",
        )
    )
    access_log.record(principal, action, resource)
    return True


def record_outside_request(
    principal: str, action: str, resource: str, *, deny: str, operation: str, message: str
) -> None:
    """Log a denial met outside the request path whose error names no action (the local
    counterpart of CloudTrail's record of it)."""
    if _writer is not None:
        _writer.write(_outside_record(principal, action, resource, deny, operation, message))


def _outside_record(
    principal: str, action: str, resource: str, deny: str, operation: str, message: str
) -> DenyRecord:
    return DenyRecord(
        time=datetime.now(UTC).isoformat(),
        principal=principal,
        access_key_id="",
        action=action,
        resource=resource,
        deny=deny,
        message=message,
        service=action.partition(":")[0],
        operation=operation,
        request_id=str(uuid.uuid4()),
    )


def _authorize_normal_action(self: Any, resource: str = "*") -> None:
    if not _auth_enabled(self):
        return
    from moto.iam.access_control import IAMRequest

    operation = self._get_action() or ""

    def resource_of(action: str) -> str:
        facts = RequestFacts(
            partition=get_partition(self.region),
            region=self.region,
            account_id=self.current_account,
            action=action,
            method=self.method,
            path=urlparse(self.uri).path,
            params=_params(self),
        )
        found = resource_arn(facts)
        return resource if found == "*" and resource != "*" else found

    def raise_denied(decision: Decision, request_id: str) -> None:
        prefix = decision.action.partition(":")[0]
        response = access_denied(_protocol(self), prefix, decision.message, request_id)
        setattr(self, _DENIAL_ATTR, response)
        raise _Denied(response)

    _enforce(
        self,
        IAMRequest,
        operation,
        lambda prefix: iam_action(prefix, operation, self.method),
        resource_of,
        raise_denied,
    )


def _authorize_s3_action(
    self: Any, bucket_name: str | None = None, key_name: str | None = None
) -> None:
    if not _auth_enabled(self):
        return
    from moto.iam.access_control import S3IAMRequest
    from moto.s3.exceptions import S3AccessDeniedError

    query = dict(parse_qsl(urlparse(self.uri).query, keep_blank_values=True))
    operation = (
        s3_operation(self.method, bucket_name, key_name, query, self.headers.keys())
        or self.data.get("Action")
        or ""
    )
    if isinstance(operation, list):
        operation = operation[0]
    partition = get_partition(self.region)
    if operation == "DeleteObjects" and bucket_name:
        authorize_each_object(self, f"arn:{partition}:s3:::{bucket_name}", _enforce)
        return
    versioned = "versionId" in query
    if key_name:
        resource = f"arn:{partition}:s3:::{bucket_name}/{key_name}"
    elif bucket_name:
        resource = f"arn:{partition}:s3:::{bucket_name}"
    else:
        resource = "*"

    def raise_denied(decision: Decision, request_id: str) -> None:
        error = S3AccessDeniedError()
        error.message = decision.message
        error.bucket_name = bucket_name  # type: ignore[attr-defined]
        raise error

    _enforce(
        self,
        S3IAMRequest,
        operation,
        lambda prefix: f"s3:{s3_action_name(operation, versioned)}",
        lambda action: resource,
        raise_denied,
    )


def _wrap_call_action(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def call_action(self: Any) -> Any:
        result = original(self)
        denial: ErrorResponse | None = getattr(self, _DENIAL_ATTR, None)
        if denial is None:
            return result
        return denial.status, dict(denial.headers), denial.body

    call_action.__wrapped__ = original  # type: ignore[attr-defined]
    return call_action


def write_denial(record: DenyRecord) -> None:
    """Add a denial issued outside the request path (a CloudFormation handler's) to the log."""
    if _writer is not None:
        _writer.write(record)


def install(writer: DenyLogWriter | None = None, soft_writer: DenyLogWriter | None = None) -> None:
    """Patch moto's authorisation hooks; later calls only replace the deny-log writers.

    With `soft_writer`, an implicit denial is written there and the request allowed.
    """
    global _installed, _writer, _soft_writer
    _writer = writer
    _soft_writer = soft_writer
    if _installed:
        return
    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = (  # type: ignore[method-assign]
        _authorize_normal_action
    )
    ActionAuthenticatorMixin._authenticate_and_authorize_s3_action = (  # type: ignore[method-assign]
        _authorize_s3_action
    )
    BaseResponse.call_action = _wrap_call_action(BaseResponse.call_action)  # type: ignore[method-assign,assignment]
    _installed = True


def may_assume(backend: Any, action: str, resource: str, principal_arn: str) -> bool:
    """Whether an allowed request may go ahead as far as the role it assumes is concerned.

    As on AWS, `sts:AssumeRole` of a role that does not exist in this account (another
    account's, or none at all) is denied like a role that does not trust the caller.
    """
    if action.lower() != "sts:assumerole":
        return True
    try:
        role = backend.get_role_by_arn(resource)
    except NotFoundException:
        return False
    return role_trusts(role, principal_arn)


def role_trusts(role: Any, principal_arn: str) -> bool:
    """Does the role's trust policy let `principal_arn` assume it?

    moto's own check crashes on a trust policy whose Principal names only a service.
    An AWS principal matches as `*`, its ARN, its account id or the account's root;
    an explicit Deny wins.
    """
    document = role.assume_role_policy_document
    policy = json.loads(document) if isinstance(document, str) else document
    statements = policy.get("Statement", [])
    account = principal_arn.split(":")[4] if principal_arn.count(":") >= 5 else ""
    names = {"*", principal_arn, account, f"arn:aws:iam::{account}:root"}
    if ":assumed-role/" in principal_arn:
        role_name = principal_arn.split(":assumed-role/", 1)[1].split("/")[0]
        names.add(f"arn:aws:iam::{account}:role/{role_name}")
    trusted = False
    for statement in [statements] if isinstance(statements, dict) else statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a.lower() in ("sts:assumerole", "sts:*", "*") for a in actions):
            continue
        principal = statement.get("Principal", {})
        aws = principal.get("AWS", []) if isinstance(principal, dict) else principal
        aws = [aws] if isinstance(aws, str) else aws
        if not names.intersection(aws):
            continue
        if statement.get("Effect") == "Deny":
            return False
        trusted = trusted or statement.get("Effect") == "Allow"
    return trusted

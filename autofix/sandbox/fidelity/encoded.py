"""EC2's encoded authorization failures, and sts:DecodeAuthorizationMessage to read them.

Real EC2 answers a denial with `UnauthorizedOperation` and `You are not authorized
to perform this operation. Encoded authorization failure message: <blob>`; only
`sts:DecodeAuthorizationMessage` (a permission of its own) turns the blob into
the action, resource, principal and context. moto 5.2.5 has neither: this module
wraps the `enforcement` hook (installed after it) so EC2 denials are encoded,
and adds the STS operation. Blobs are opaque random tokens kept in this process.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.sts.responses import TokenResponse

from autofix.sandbox.fidelity import enforcement
from autofix.sandbox.fidelity.envelopes import ErrorResponse

ENCODED_PREFIX = "You are not authorized to perform this operation. "
_DENIAL = re.compile(
    r"User: (?P<principal>\S+) is not authorized to perform: (?P<action>\S+)"
    r"(?: on resource: (?P<resource>\S+))? (?P<why>because|with an explicit deny)"
)
_messages: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()
_installed = False


class InvalidAuthorizationMessage(ServiceException):
    code = "InvalidAuthorizationMessageException"
    message = "The encoded message is not valid."


def decoded_message(
    principal_arn: str, principal_id: str, action: str, resource: str, explicit: bool, region: str
) -> dict[str, Any]:
    """The DecodedMessage document real STS returns for one EC2 denial."""
    account = principal_arn.split(":")[4] if principal_arn.count(":") >= 5 else ""

    def condition(key: str, value: str) -> dict[str, Any]:
        return {"key": key, "values": {"items": [{"value": value}]}}

    return {
        "allowed": False,
        "explicitDeny": explicit,
        "matchedStatements": {"items": []},
        "failures": {"items": []},
        "context": {
            "principal": {"id": principal_id, "arn": principal_arn},
            "action": action,
            "resource": resource,
            "conditions": {
                "items": [
                    condition("aws:Region", region),
                    condition("aws:Service", action.split(":", 1)[0]),
                    condition("aws:Account", account),
                    condition("aws:Resource", resource.split(":", 5)[-1]),
                    condition("ec2:Region", region),
                ]
            },
        },
    }


def encode(message: dict[str, Any]) -> str:
    """An opaque blob that this sandbox's DecodeAuthorizationMessage turns back into `message`."""
    blob = secrets.token_urlsafe(384)
    with _lock:
        _messages[blob] = message
    return blob


def unauthorized_operation(blob: str, request_id: str) -> ErrorResponse:
    """EC2's UnauthorizedOperation response (HTTP 403, EC2's own XML error shape)."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Response><Errors><Error><Code>UnauthorizedOperation</Code>"
        f"<Message>{escape(ENCODED_PREFIX)}Encoded authorization failure message: {blob}"
        f"</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
    )
    return ErrorResponse(status=403, headers={"Content-Type": "text/xml;charset=UTF-8"}, body=body)


def _principal_id(account_id: str, principal_arn: str) -> str:
    """AIDA... for a user, AROA...:session for a role session (best effort)."""
    from moto.iam.models import iam_backends

    resource = principal_arn.split(":", 5)[-1]
    backend = iam_backends[account_id]["aws"]
    try:
        if resource.startswith("user/"):
            return str(backend.get_user(resource.rsplit("/", 1)[-1]).id)
        if resource.startswith("assumed-role/"):
            _, role, session = resource.split("/", 2)
            return f"{backend.get_role(role).id}:{session}"
    except Exception:
        return ""
    return ""


def _encoding(original: Callable[..., None]) -> Callable[..., None]:
    def authorize(self: Any, resource: str = "*") -> None:
        try:
            original(self, resource)
        except enforcement._Denied as denied:
            if getattr(self, "boto3_service_name", "") != "ec2":
                raise
            match = _DENIAL.search(denied.response_parts.body)
            if match is None:
                raise
            request_id = denied.response_parts.headers.get("x-amzn-RequestId", "")
            message = decoded_message(
                match["principal"],
                _principal_id(self.current_account, match["principal"]),
                match["action"],
                match["resource"] or "*",
                match["why"] != "because",
                self.region,
            )
            response = unauthorized_operation(encode(message), request_id)
            setattr(self, enforcement._DENIAL_ATTR, response)
            raise enforcement._Denied(response) from None

    authorize.__wrapped__ = original  # type: ignore[attr-defined]
    return authorize


def decode_authorization_message(self: TokenResponse) -> ActionResult:
    """sts:DecodeAuthorizationMessage (the caller's permission is checked by enforcement)."""
    blob = self._get_param("EncodedMessage") or ""
    with _lock:
        message = _messages.get(blob)
    if message is None:
        raise InvalidAuthorizationMessage()
    return ActionResult({"DecodedMessage": json.dumps(message, separators=(",", ":"))})


def install() -> None:
    """Encode EC2 denials and answer DecodeAuthorizationMessage. After enforcement.install."""
    global _installed
    if _installed:
        return
    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = _encoding(  # type: ignore[method-assign]
        ActionAuthenticatorMixin._authenticate_and_authorize_normal_action
    )
    TokenResponse.decode_authorization_message = decode_authorization_message  # type: ignore[attr-defined]
    _installed = True

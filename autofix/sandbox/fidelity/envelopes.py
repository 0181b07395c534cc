"""AccessDenied responses in each protocol's real envelope.

moto answers every denial with an XML `ErrorResponse`, so JSON-protocol clients
print `An error occurred (403) ... <?xml ...`. Real AWS answers JSON services
with a JSON body (`__type`/`message`) and the `x-amzn-ErrorType` header.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape

#: Services whose JSON errors spell the message key with a capital M.
_CAPITAL_MESSAGE = {"lambda", "dynamodb"}


@dataclass(frozen=True)
class ErrorResponse:
    status: int
    headers: dict[str, str]
    body: str


def access_denied(protocol: str, service: str, message: str, request_id: str) -> ErrorResponse:
    """The AccessDenied response a real `service` endpoint gives for `protocol`."""
    key = "Message" if service in _CAPITAL_MESSAGE else "message"
    if protocol in ("json", "rest-json"):
        content_type = (
            "application/json" if protocol == "rest-json" else "application/x-amz-json-1.1"
        )
        return ErrorResponse(
            status=403 if protocol == "rest-json" else 400,
            headers={
                "Content-Type": content_type,
                "x-amzn-ErrorType": "AccessDeniedException",
                "x-amzn-RequestId": request_id,
            },
            body=json.dumps({"__type": "AccessDeniedException", key: message}),
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return ErrorResponse(
        status=403,
        headers={"Content-Type": "text/xml", "x-amzn-RequestId": request_id},
        body=body,
    )

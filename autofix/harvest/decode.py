"""Encoded authorization failure messages, decoded by the operator.

EC2 and a few other services answer `Encoded authorization failure message:
...`; `sts:DecodeAuthorizationMessage` turns it into the action, resource and
deny context.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from autofix.account.session import Operator
from autofix.denials.model import Denial, DenyKind, Source


def decode_all(operator: Operator, denials: Sequence[Denial]) -> list[Denial]:
    """A decoded denial for each encoded one; undecodable ones are kept as they were."""
    encoded = [d for d in denials if d.encoded_message]
    if not encoded:
        return []
    sts = operator.client("sts")
    out: list[Denial] = []
    for denial in encoded:
        try:
            raw = sts.decode_authorization_message(EncodedMessage=denial.encoded_message)
        except (ClientError, BotoCoreError):
            out.append(denial)
            continue
        out.append(from_decoded(json.loads(raw["DecodedMessage"]), denial))
    return out


def from_decoded(message: dict[str, Any], original: Denial) -> Denial:
    """The denial a decoded message describes."""
    context = message.get("context", {})
    principal = context.get("principal", {}).get("arn") or original.principal
    deny = DenyKind.EXPLICIT_IDENTITY if message.get("explicitDeny") else DenyKind.IMPLICIT
    return Denial(
        action=context.get("action") or original.action,
        resource=context.get("resource") or original.resource,
        principal=principal,
        deny=deny,
        operation=original.operation,
        source=Source.DECODED,
        evidence=json.dumps(message)[:2000],
    )

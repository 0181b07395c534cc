"""The denial record: one denied IAM action, as read from some text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

RequestKeys = tuple[tuple[str, tuple[str, ...]], ...]
"""(key, values) a request carried, as a demand or a deny record tells them (`ec2:InstanceProfile`
of a launch)."""

CREDENTIAL_FAILURES = (
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "RequestExpired",
    "RequestTimeTooSkewed",
    "AuthFailure",
    "security token included in the request is invalid",
    "security token included in the request is expired",
)
"""Errors of the request's credentials or signature, not of its permissions: no grant fixes
them (the common errors of every AWS query API: STS `CommonErrors`, EC2 `errors-overview`)."""
CREDENTIAL_FAILURE = re.compile("|".join(re.escape(words) for words in CREDENTIAL_FAILURES))


class DenyKind(StrEnum):
    """Why AWS denied the request (the `deny` field of `autofix explain --json`)."""

    IMPLICIT = "implicit"
    EXPLICIT_IDENTITY = "explicit-identity"
    SCP = "scp"
    BOUNDARY = "boundary"
    SESSION = "session"
    RESOURCE_POLICY = "resource-policy"
    UNKNOWN = "unknown"


class Source(StrEnum):
    """The channel a denial was harvested from (the ledger's `source`)."""

    OUTPUT = "output"
    """The step's own output."""
    STACK_EVENTS = "stack-events"
    """A CloudFormation stack event's status reason."""
    DECODED = "decoded"
    """An encoded authorization message, decoded by the operator."""
    ACCOUNT_LOG = "account-log"
    """The account's record of denials: the sandbox's deny log, or CloudTrail."""
    SOFT_DENY_LOG = "soft-deny-log"
    """What the soft-mode sandbox (`--strategy observe`) would have denied, and allowed."""


@dataclass(frozen=True)
class Denial:
    """One denied action.

    `action` is the IAM action (service prefix lower-case) or None when the text
    names none and no operation maps to one. `source` names the channel the
    denial was harvested from (a `Source`),
    `evidence` the text that proved it.
    """

    action: str | None
    resource: str | None = None
    principal: str | None = None
    deny: DenyKind = DenyKind.IMPLICIT
    operation: str | None = None
    policy_arn: str | None = None
    encoded_message: str | None = None
    action_known: bool = True
    source: str = Source.OUTPUT
    evidence: str = field(default="", compare=False)
    not_granted: str = ""
    """Why this denial is never granted although it reads as fixable (e.g. a step printed
    it and the account never recorded it: `autofix.harvest.corroborate`)."""
    resource_type: str = field(default="", compare=False)
    """The CloudFormation resource type whose handler was denied (a stack event's or the
    sandbox's record), when known: it tells which service an iam:PassRole passes to."""
    passed_to: str = field(default="", compare=False)
    """An iam:PassRole's: the service principal the request passed the role to, as the
    account recorded it (a CloudFormation RoleARN: cloudformation.amazonaws.com)."""
    request_keys: RequestKeys = field(default=(), compare=False)
    """Service condition keys the denied request carried, as the sandbox's handler demand
    knew them (a launch's `ec2:InstanceProfile`; no values: the request had none)."""

    @property
    def fixable(self) -> bool:
        """True only when adding an identity-policy Allow can fix it."""
        return (
            self.deny is DenyKind.IMPLICIT
            and not self.not_granted
            and self.action is not None
            and self.action_known
            and self.encoded_message is None
        )

    @property
    def key(self) -> tuple[str | None, str | None, str | None]:
        """Identity for de-duplication across channels: action, resource, principal."""
        return (self.action.lower() if self.action else None, self.resource, self.principal)

    def with_source(self, source: str) -> Denial:
        return replace(self, source=source)

    def completed_by(self, other: Denial) -> Denial:
        """This denial with what `other` (a sighting of the same denial, the account's
        record of it) knows that this one does not: the handler's resource type, the
        service a role was passed to."""
        return replace(
            self,
            resource_type=self.resource_type or other.resource_type,
            passed_to=self.passed_to or other.passed_to,
            request_keys=self.request_keys or other.request_keys,
        )

    def to_json(self) -> dict[str, Any]:
        """The stable `autofix explain --json` shape."""
        return {
            "action": self.action,
            "resource": self.resource,
            "principal": self.principal,
            "deny": self.deny.value,
            "operation": self.operation,
            "fixable": self.fixable,
        }

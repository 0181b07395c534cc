"""Which granted actions, and which resource patterns, a run exercised, from the account's
record of allowed calls."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase

from autofix.policy.arns import Arn, matches
from autofix.policy.document import Grant, PolicyDocument

__all__ = ["unused_actions", "unused_patterns"]


def unused_actions(
    policy: PolicyDocument, used: Iterable[tuple[str, str]], is_principal: Callable[[str], bool]
) -> tuple[str, ...]:
    """Actions `policy` grants that no (principal, action) in `used`, of the principal
    `is_principal` recognises, exercised.

    A wildcard action (`s3:Get*`) counts as used when any action it matches was.
    """
    exercised = {action.lower() for principal, action in used if is_principal(principal)}
    return tuple(a for a in policy.actions if not any(fnmatchcase(e, a.lower()) for e in exercised))


def unused_patterns(
    policy: PolicyDocument,
    used: Iterable[tuple[str, str, str]],
    is_principal: Callable[[str], bool],
) -> tuple[Grant, ...]:
    """Grants of a used action whose resource pattern no exercised call matched.

    `used` holds (principal, action, resource) as the account recorded each allowed call.
    An action never used is `unused_actions`'s to name, not this. A call on a resource
    that is not an ARN (`*`, an action with no resource-level permissions) could have been
    allowed by any pattern: it keeps every grant of its action.
    """
    calls: dict[str, list[str]] = {}
    for principal, action, resource in used:
        if is_principal(principal):
            calls.setdefault(action.lower(), []).append(resource)
    found: list[Grant] = []
    for grant in policy.grants:
        resources = [
            r
            for action, rs in calls.items()
            if fnmatchcase(action, grant.action.lower())
            for r in rs
        ]
        if not resources or any(Arn.parse(r) is None for r in resources):
            continue
        if not any(matches(grant.resource, r) for r in resources):
            found.append(grant)
    return tuple(found)

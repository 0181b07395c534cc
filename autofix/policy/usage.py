"""Which granted actions a run exercised, from the account's record of allowed calls."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase

from autofix.policy.document import PolicyDocument

__all__ = ["unused_actions"]


def unused_actions(
    policy: PolicyDocument, used: Iterable[tuple[str, str]], is_principal: Callable[[str], bool]
) -> tuple[str, ...]:
    """Actions `policy` grants that no (principal, action) in `used`, of the principal
    `is_principal` recognises, exercised.

    A wildcard action (`s3:Get*`) counts as used when any action it matches was.
    """
    exercised = {action.lower() for principal, action in used if is_principal(principal)}
    return tuple(a for a in policy.actions if not any(fnmatchcase(e, a.lower()) for e in exercised))

"""Turn free text (command output, stack event reasons) into Denial records.

First, simple version: the `User: ARN is not authorized to perform: ACTION`
form. The full parser replaces this module (issue 3).
"""

from __future__ import annotations

import re

from autofix.denials.model import Denial, DenyKind

_NOT_AUTHORIZED = re.compile(
    r"User: (?P<principal>arn:[^\s]+) is not authorized to perform: (?P<action>[\w-]+:[\w*-]+)"
    r"(?: on resource: (?P<resource>[^\s\"']+))?(?P<rest>[^\n]*)"
)


def parse_denials(text: str) -> list[Denial]:
    """Every denial in `text`, in order of appearance, without duplicates."""
    found: dict[tuple[str | None, str | None, str | None], Denial] = {}
    for match in _NOT_AUTHORIZED.finditer(text):
        service, _, name = match["action"].partition(":")
        rest = match["rest"] or ""
        deny = DenyKind.EXPLICIT_IDENTITY if "explicit deny" in rest else DenyKind.IMPLICIT
        resource = match["resource"].rstrip(".,;") if match["resource"] else None
        denial = Denial(
            action=f"{service.lower()}:{name}",
            resource=resource,
            principal=match["principal"],
            deny=deny,
            evidence=match.group(0),
        )
        found.setdefault(denial.key, denial)
    return list(found.values())

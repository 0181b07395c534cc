"""What AWS's own documentation of a role property says about the service it is passed to,
for scripts/derive_passed_to_service.py.

Two texts document a role property: its provider schema's description (cfn-lint's pinned
schemas) and, in botocore's service model, the documentation of the same-named request
member of the operations the type's create and update handlers call
(`transcribe:CreateVocabulary`'s `DataAccessRoleArn`). A sentence there that says
`iam:PassedToService` is <principal> names the value outright (`passed`); a sentence about
the role's trust ("a trust policy allowing sms-voice.amazonaws.com to assume it") names
the one principal that can use the role (`trusted`): a role passed to a service can only
be used by a principal its trust policy allows (IAM User Guide, "Granting a user
permissions to pass a role to an AWS service"). Either counts only when it names exactly
one principal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session

PRINCIPAL = re.compile(r"\b([a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z<])")
_TRUST = re.compile(r"\btrust|\bassume", re.IGNORECASE)
_PASSED = re.compile(r"PassedToService", re.IGNORECASE)
_REGIONAL = re.compile(r"\.[a-z]{2}(?:-[a-z]+)+-\d\.")
_VERBS = ("Create", "Update", "Put", "Start", "Register", "Set", "Associate", "Enable")


@dataclass(frozen=True)
class Said:
    """What one text says: the principal and the words that say it."""

    principal: str
    kind: str
    """`passed` (it names the iam:PassedToService value) or `trusted` (the role's trust)."""
    where: str
    """The text: `schema description`, `botocore transcribe CreateVocabulary.DataAccessRoleArn`."""


def _sentences(text: str) -> list[str]:
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return [s.strip() for s in _SENTENCE.split(re.sub(r"\s+", " ", plain)) if s.strip()]


def said_in(text: str, where: str) -> Said | None:
    """The one principal `text` says the role is passed to or trusts, or None (none said,
    several, or a regional name, whose iam:PassedToService value is not documented)."""
    for kind, pattern in (("passed", _PASSED), ("trusted", _TRUST)):
        named = {p for s in _sentences(text) if pattern.search(s) for p in PRINCIPAL.findall(s)}
        if len(named) > 1 or any(_REGIONAL.search(p) for p in named):
            return None
        if named:
            return Said(named.pop(), kind, where)
    return None


@cache
def _models() -> dict[str, list[Any]]:
    """botocore's service models by IAM prefix (signing name, else endpoint prefix)."""
    session = botocore.session.get_session()
    found: dict[str, list[Any]] = {}
    for service in session.get_available_services():
        model = session.get_service_model(service)
        found.setdefault(str(model.signing_name or model.endpoint_prefix), []).append(model)
    return found


def _members(shape: Any, name: str, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(name, member) of the members named `name` (any case) of `shape`, inside structures
    and lists too."""
    for member_name, member in (getattr(shape, "members", None) or {}).items():
        if member_name.lower() == name.lower():
            yield member_name, member
        target = member.member if member.type_name == "list" else member
        if target.type_name == "structure" and depth < 4:
            yield from _members(target, name, depth + 1)


def member_docs(actions: list[str], name: str) -> Iterator[tuple[str, str]]:
    """(where, documentation) of the request members named `name` of the operations
    `actions` (`prefix:Operation`) call: those that create or change something."""
    for action in sorted(set(actions)):
        prefix, _, operation = action.partition(":")
        if not operation.startswith(_VERBS):
            continue
        for model in _models().get(prefix.lower(), []):
            if operation not in model.operation_names:
                continue
            shape = model.operation_model(operation).input_shape
            for member_name, member in _members(shape, name):
                where = f"botocore {prefix} {operation}.{member_name}"
                yield where, str(member.documentation or "")


def documented(description: str, actions: list[str], path: str) -> list[Said]:
    """What the property's schema description and its request members' documentation say
    (each text that says one principal)."""
    texts = [("schema description", description)]
    texts += list(member_docs(actions, path.rsplit(".", 1)[-1]))
    return [s for where, text in texts if (s := said_in(text, where)) is not None]

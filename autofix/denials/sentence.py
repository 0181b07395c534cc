"""The IAM sentence `... is not authorized to perform: ACTION [on resource: R] [why]`: its
principal (the last ARN before it), action, resource and the kind of deny its reason names.
"""

from __future__ import annotations

import re

from autofix.denials.actions import ActionName, canonical
from autofix.denials.forms import reason_in
from autofix.denials.model import Denial, DenyKind
from autofix.denials.operations import resolve_method

__all__ = ["sentence_action", "sentence_denial"]

_LOOK_BACK = 700

_ARN_CHAR = r"(?:<[\w -]{1,40}>|[^\s\"'`|])"  # a placeholder like `<account id>` may hold spaces
_PRINCIPAL_BEFORE = re.compile(rf"(?P<arn>arn:{_ARN_CHAR}{{1,512}})[\"'`]? ?$")
_RESOURCE_AFTER = re.compile(
    r"[\"'`]? on (?:the )?resources? ?:? ?[\"'`]?"
    rf"(?P<res>arn:{_ARN_CHAR}{{1,2048}}"
    r"|(?:user|role|group|policy|instance-profile) [^\s\"'<>`|]{1,512}"
    r"|(?P<elided>\.{3}|\u2026|\*{2,}|<[^<>\n]{1,60}>)"
    r"|\*(?![\w*])"
    r"|(?!(?:because|with|and|for)\b)(?P<plain>[A-Za-z0-9][^\s\"'`|<>]{0,511}))"
)
_REASON_AFTER = re.compile(
    r"[\s\"'`.,;)]{0,6}(?:"
    r"(?P<explicit>with an explicit deny(?: in (?:an?|the) (?P<ekind>[A-Za-z -]{1,60}?) ?"
    r"(?:polic(?:y|ies)|boundary)"
    r"(?P<transitive> transitively through an? [a-z ]{0,40}polic(?:y|ies))?)?"
    r"(?: ?: ?(?P<policy>arn:[^\s\"'<>`|]{1,1024}))?)"
    r"|(?P<implicit>because no (?P<ikind>[A-Za-z -]{1,60}?) ?(?:polic(?:y|ies)|boundary) allows?)"
    r"|(?P<trust>because the role trust policy)"
    r"|(?P<because_of>because of (?:an? |the )?(?P<okind>[A-Za-z -]{1,60}?) ?"
    r"(?:polic(?:y|ies)|boundary|deny))"
    r")"
)


def sentence_action(
    svc: str, name: str, region: str | None
) -> tuple[ActionName, str | None, str | None]:
    """The action named in the IAM sentence, its operation and resource if it was an API name."""
    action = canonical(svc, name)
    if action.known:
        return action, None, None
    resolution = resolve_method(svc, name, region)
    if resolution is not None and len(resolution.actions) == 1:
        return resolution.actions[0], resolution.operation, resolution.resource
    return action, None, None


def sentence_denial(
    flat: str, match: re.Match[str], frame_op: str | None, region: str | None
) -> Denial:
    """The denial an IAM sentence (`_NOT_AUTHORIZED`'s match) states; `frame_op` is the
    operation of the call frame around it, if any."""
    before = flat[max(0, match.start() - _LOOK_BACK) : match.start()]
    before = before[:-3] if before.endswith(("is ", "Is ")) else before
    start = before.rfind("arn:")  # the principal is the last ARN before the sentence
    principal_match = _PRINCIPAL_BEFORE.match(before, start) if start >= 0 else None
    principal = _clean_arn(principal_match["arn"]) if principal_match else None
    action, operation, mapped_resource = sentence_action(match["svc"], match["name"], region)
    position = match.end()
    resource = mapped_resource
    resource_match = _RESOURCE_AFTER.match(flat, position, position + 2200)
    if resource_match is not None:
        resource = None if resource_match["elided"] else _clean_arn(resource_match["res"])
        position = resource_match.end()
    deny, policy = _reason(flat, position)
    return Denial(
        action=str(action),
        resource=resource,
        principal=principal,
        deny=deny,
        operation=frame_op or operation,
        policy_arn=policy,
        action_known=action.known,
        evidence=flat[match.start() : position + 120].strip(),
    )


def _reason(flat: str, position: int) -> tuple[DenyKind, str | None]:
    match = _REASON_AFTER.match(flat, position, position + 1200)
    if match is None:
        return reason_in(flat, position) or DenyKind.IMPLICIT, None
    if match["trust"]:
        return DenyKind.RESOURCE_POLICY, None
    if match["because_of"]:  # `because of a service control policy`: a deny, never implicit
        return _kind(match["because_of"], explicit=True), None
    if match["implicit"]:
        return _kind(match["implicit"], explicit=False), None
    policy = _clean_arn(match["policy"]) if match["policy"] else None
    if match["transitive"] and "service control" in match["transitive"]:
        return DenyKind.SCP, policy
    phrase = match["explicit"] if match["ekind"] else ""
    return _kind(phrase.split(":")[0], explicit=True), policy


def _kind(words: str, explicit: bool) -> DenyKind:
    text = words.lower().replace("-", " ")
    if "service control" in text:
        return DenyKind.SCP
    if "boundar" in text:
        return DenyKind.BOUNDARY
    if "session" in text:
        return DenyKind.SESSION
    if "resource based" in text or "trust" in text:
        return DenyKind.RESOURCE_POLICY
    if "identity based" in text:
        return DenyKind.EXPLICIT_IDENTITY if explicit else DenyKind.IMPLICIT
    return DenyKind.UNKNOWN


_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _clean_arn(value: str) -> str:
    """Drop trailing punctuation, but not an elision (`..`) or a balanced bracket."""
    while value and value[-1] in ".,;:)]}'\"`":
        last = value[-1]
        if last == "." and value.endswith(".."):
            break
        if last in _CLOSERS and value.count(_CLOSERS[last]) >= value.count(last):
            break
        value = value[:-1]
    return value

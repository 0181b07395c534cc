"""Denial forms beyond the IAM sentence and the SDK call frames, and the deny-kind fallback.

- JS SDK v2 debug log lines: `[AWS s3 403 0.06s 0 retries] headObject({...})`;
- Java SDK v1 exceptions (`com.amazonaws.services.s3.model.AmazonS3Exception: ...
  Status Code: 403`) with the operation from `op() on` or the client's stack frame;
- CDK's `current credentials could not be used to assume 'ROLE'` (sts:AssumeRole);
- handler messages `An additional permission "svc:Action" is required`;
- `does not have permission(s) to call svc:Action` and Lambda's `... to call OP on EC2`
  (also the older `access has been denied by EC2 ... permission to OP`);
- CloudTrail rows: `ec2.amazonaws.com  CreateNetworkInterface  Client.UnauthorizedOperation`;
- CloudFormation's `TemplateURL must reference a valid S3 object to which you have access`
  (it reads the template with the caller's access: s3:GetObject on it).
Every pattern starts with a literal and looks around only in bounded windows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from autofix.denials.actions import canonical
from autofix.denials.model import CREDENTIAL_FAILURE, Denial, DenyKind
from autofix.denials.operations import Resolution, resolve_method, resolve_operation


@dataclass(frozen=True)
class Found:
    """A denial and where in the normalised text its evidence starts."""

    position: int
    denial: Denial


_SDK_LOG = re.compile(
    r"\[AWS (?P<svc>[a-z][\w-]{0,40}) (?P<status>\d{3}) [\d.]{1,12}s \d{1,4} retries\] "
    r"(?P<op>[a-z]\w{0,100})\("
)
_JAVA_EXCEPTION = re.compile(
    r"com\.amazonaws\.services\.(?P<svc>[a-z0-9]{2,40})\.model\.\w{1,80}Exception: "
)
_JAVA_DENIED = re.compile(
    r"Status Code: 403|Error Code: (?:AccessDenied|UnauthorizedOperation)|"
    r"AWS Error Code: AccessDenied"
)
_JAVA_OP_BEFORE = re.compile(r"(?P<op>[a-z]\w{2,80})\(\) on [^\s:]{1,200}: $")
_CDK_ASSUME = re.compile(r"could not be used to assume '(?P<role>arn:[^'\s]{1,512})'")
_ADDITIONAL = re.compile(
    r"dditional permission [\"'`]?(?P<svc>[A-Za-z0-9-]{1,64}):"
    r"(?P<name>[A-Za-z0-9*_-]{1,128})[\"'`]? (?:is|are) required"
)
_TO_CALL = re.compile(
    r"(?:does not|doesn't|do not|don't) have permissions? to call "
    r"(?:(?P<svc>[a-z0-9-]{1,64}):(?P<name>[A-Za-z0-9*_-]{1,128})"
    r"|(?P<op>[A-Z]\w{2,100}) on (?P<host>[A-Za-z0-9]{2,40}))"
)
_DENIED_BY = re.compile(
    r"access has been denied by (?P<host>[A-Za-z0-9]{2,40}), please make sure your "
    r"(?:function )?execution role ha(?:s|ve) permissions? to \*{0,2}(?P<op>[A-Z]\w{2,100})"
)
_TRAIL_ROW = re.compile(
    r"\.amazonaws\.com\s{1,40}(?P<op>[A-Z]\w{2,100})\s{1,40}"
    r"(?:Client\.)?(?:UnauthorizedOperation|AccessDenied(?:Exception)?)\b"
)
_TEMPLATE_URL = re.compile(r"TemplateURL must reference a valid S3 object to which you have access")
_HOST_BEFORE = re.compile(r"\b(?P<svc>[a-z0-9-]{2,40})$")
_JAVA_FRAME_LIMIT = 4000
_KINDS = (
    ("servicecontrol", DenyKind.SCP),
    ("boundar", DenyKind.BOUNDARY),
    ("resourcebased", DenyKind.RESOURCE_POLICY),
    ("session", DenyKind.SESSION),
)
_SQUEEZE = re.compile(r"[\s\-_*`'\"|.,:;]+")
_NEXT_SENTENCE = re.compile(r"not authorized to perform|\n")
_PARAGRAPH_END = re.compile(r"\n")


def resolved_denials(
    resolution: Resolution | None,
    op: str,
    evidence: str,
    resource: str | None = None,
    encoded: str | None = None,
) -> list[Denial]:
    """A denial for each action `resolution` names (none without one); its deny kind is
    unknown when an encoded authorization message hides it."""
    if resolution is None:
        return []
    return [
        Denial(
            action=str(action),
            resource=resource or resolution.resource,
            operation=op,
            deny=DenyKind.UNKNOWN if encoded else DenyKind.IMPLICIT,
            encoded_message=encoded,
            action_known=action.known,
            evidence=evidence,
        )
        for action in resolution.actions
    ]


def _named(svc: str, name: str, evidence: str, resource: str | None = None) -> Denial:
    action = canonical(svc, name)
    return Denial(
        action=str(action), resource=resource, action_known=action.known, evidence=evidence
    )


def _sdk_log(flat: str, region: str | None) -> Iterator[Found]:
    for match in _SDK_LOG.finditer(flat):
        if match["status"] != "403" or CREDENTIAL_FAILURE.search(
            flat, match.end(), match.end() + 600
        ):
            continue
        op = match["op"][:1].upper() + match["op"][1:]
        evidence = flat[match.start() : match.end() + 200]
        for denial in resolved_denials(
            resolve_operation(op, (match["svc"],), region), op, evidence
        ):
            yield Found(match.start(), denial)


def _java(flat: str, region: str | None) -> Iterator[Found]:
    for match in _JAVA_EXCEPTION.finditer(flat):
        tail = flat[match.end() : match.end() + 400]
        if _JAVA_DENIED.search(tail) is None or CREDENTIAL_FAILURE.search(tail):
            continue
        svc = match["svc"]
        before = _JAVA_OP_BEFORE.search(flat, max(0, match.start() - 300), match.start())
        candidates = [before["op"]] if before else []
        frame = re.compile(rf"com\.amazonaws\.services\.{svc}\.\w{{1,80}}Client\.(\w{{2,80}})\(")
        end = min(len(flat), match.end() + _JAVA_FRAME_LIMIT)
        candidates.extend(m[1] for m in frame.finditer(flat, match.end(), end))
        for op in candidates:
            resolution = resolve_method(svc, op, region)
            if resolution is not None:
                evidence = flat[match.start() : match.end() + 200]
                for denial in resolved_denials(resolution, resolution.operation, evidence):
                    yield Found(match.start(), denial)
                break


def _sentences(flat: str, region: str | None) -> Iterator[Found]:
    for match in _CDK_ASSUME.finditer(flat):
        yield Found(match.start(), _named("sts", "AssumeRole", match[0], match["role"]))
    for match in _ADDITIONAL.finditer(flat):
        yield Found(match.start(), _named(match["svc"], match["name"], match[0]))
    for match in _TO_CALL.finditer(flat):
        if match["svc"]:
            yield Found(match.start(), _named(match["svc"], match["name"], match[0]))
            continue
        resolution = resolve_operation(match["op"], (match["host"],), region)
        for denial in resolved_denials(resolution, match["op"], match[0]):
            yield Found(match.start(), denial)
    for match in _DENIED_BY.finditer(flat):
        resolution = resolve_operation(match["op"], (match["host"],), region)
        for denial in resolved_denials(resolution, match["op"], match[0]):
            yield Found(match.start(), denial)
    for match in _TEMPLATE_URL.finditer(flat):
        yield Found(match.start(), _named("s3", "GetObject", match[0]))
    for match in _TRAIL_ROW.finditer(flat):
        host = _HOST_BEFORE.search(flat, max(0, match.start() - 40), match.start())
        if host is None:
            continue
        resolution = resolve_operation(match["op"], (host["svc"],), region)
        for denial in resolved_denials(resolution, match["op"], match[0]):
            yield Found(host.start(), denial)


def other_forms(flat: str, region: str | None) -> list[Found]:
    """Denials in the forms this module reads, with their positions."""
    return [*_sdk_log(flat, region), *_java(flat, region), *_sentences(flat, region)]


def reason_in(
    flat: str, start: int, limit: int = 400, stop: re.Pattern[str] = _NEXT_SENTENCE
) -> DenyKind | None:
    """The deny kind a wrapped, split or elided reason names after `start`, if any.

    Spaces, hyphens, quotes and punctuation are ignored, so `explicit de-\\nny in a service
    control ... policy` still reads as an SCP. None when no reason is there.
    """
    window = flat[start : start + limit]
    lowered = window.lower()
    if "xpl" not in lowered and "ecau" not in lowered and "deny" not in lowered:
        return None
    cut = stop.search(window)
    squeezed = _SQUEEZE.sub("", (window[: cut.start()] if cut else window).lower())
    if "explicitdeny" in squeezed:
        after = squeezed[squeezed.index("explicitdeny") :]
        for word, kind in _KINDS:
            if word in after[:60]:
                return kind
        if "identitybased" in after[:60]:
            return DenyKind.EXPLICIT_IDENTITY
        return DenyKind.UNKNOWN
    if "becauseof" in squeezed and "becauseno" not in squeezed:
        after = squeezed[squeezed.index("becauseof") : squeezed.index("becauseof") + 60]
        for word, kind in _KINDS:
            if word in after:
                return kind
        return DenyKind.UNKNOWN if "polic" in after or "deny" in after else None
    if "becauseno" in squeezed:
        after = squeezed[squeezed.index("becauseno") : squeezed.index("becauseno") + 50]
        if "polic" not in after and "boundar" not in after:
            return None
        for word, kind in _KINDS:
            if word in after:
                return kind
        return DenyKind.IMPLICIT if "identitybased" in after else DenyKind.UNKNOWN
    return None


def repair_kind(denial: Denial, flat: str, start: int, limit: int = 400) -> Denial:
    """`denial` with the deny kind a loosely written reason after `start` gives, if any.

    For a call frame: the window runs to the end of its paragraph, past an elided sentence.
    """
    if denial.deny is not DenyKind.IMPLICIT:
        return denial
    kind = reason_in(flat, start, limit, _PARAGRAPH_END)
    if kind is None or kind is DenyKind.IMPLICIT:
        return denial
    return replace(denial, deny=kind)

"""Read denials from normalised text (see `autofix.denials.normalise`).

Each kind of evidence is read by a regular expression that starts with a literal and
looks around only in bounded windows, so reading stays linear in the size of the input:

- the IAM sentence `... is not authorized to perform: ACTION [on resource: R] [why]`;
- call frames that name an operation (`An error occurred (CODE) when calling the OP
  operation:`, Go SDK v2 `operation error SVC: OP, https response error ...`, CDK
  `Call failed: op(...)`, PHP `Error executing "OP"`, JS SDK v3 deserializer names);
  a frame with a permission error code and no IAM sentence inside maps OP to actions;
- CloudFormation reasons `API: svc:Name Access Denied` (Name may be an SDK method);
- `Encoded authorization failure message: BLOB` (kept for decoding).
More forms (SDK debug logs, CDK and Lambda warnings, CloudTrail rows) are in
`autofix.denials.forms`. A bare `Access Denied` with nothing more gives one denial with
no action, and only when nothing better was found in the whole text (`DenialStream`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache

from autofix.data import load
from autofix.denials.actions import ActionName, canonical
from autofix.denials.forms import Found, other_forms, reason_in, repair_kind
from autofix.denials.model import Denial, DenyKind
from autofix.denials.operations import Resolution, resolve_method, resolve_operation

_WINDOW = 3000
_LOOK_BACK = 700

_NOT_AUTHORIZED = re.compile(
    r"[Nn]ot authorized to perform ?:? ?[\"'`]?"
    r"(?P<svc>[A-Za-z0-9-]{1,64}) ?: ?(?P<name>[A-Za-z0-9*_-]{1,128})"
)
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
_CLI_FRAME = re.compile(
    r"(?:An error occurred|A client error) \((?P<code>[\w.:-]{1,80})\)(?: occurred)? when calling "
    r"the (?P<op>\w{1,100}) operation(?: \(reached max retries: \d{1,4}\))?"
)
_GO_FRAME = re.compile(
    r"operation error (?P<svc>[A-Za-z0-9][\w .-]{0,40}?): (?P<op>\w{1,100}), "
    r"(?:exceeded maximum number of attempts, \d{1,4}, )?"
    r"https response error StatusCode: (?P<status>\d{3})"
    r"(?:, RequestID: [^\s,]{0,100})?(?:, HostID: [^\s,]{0,400})?,? (?:api error )?"
    r"(?P<code>[\w.]{1,80}):"
)
_CDK_FRAME = re.compile(r"Call failed: (?P<op>[A-Za-z]\w{0,100})\((?P<args>[^\n]{0,2000}?)\) =>")
_CDK_CODE = re.compile(r"\(code=(?P<code>[\w.]{1,80})\)")
_PHP_FRAME = re.compile(r"Error executing \"(?P<op>\w{1,100})\" on \"(?P<url>[^\"\s]{1,500})\"")
_JS3_FRAME = re.compile(
    r"(?:deserializeAws_(?:restXml|restJson1|json1_0|json1_1|query|ec2)|de_)"
    r"(?P<op>[A-Z][A-Za-z0-9]{0,100})CommandError"
)
_JS3_CODE = re.compile(r"(?P<code>AccessDenied(?:Exception)?|UnauthorizedOperation)\b")
_CFN_API = re.compile(r"API: (?P<svc>[A-Za-z0-9-]{1,40}):(?P<name>[A-Za-z][A-Za-z0-9]{0,127})\b")
_CFN_DENIED = re.compile(
    r"[\s\"'`:.,-]{0,6}(?:Access ?Denied|AccessDenied|You are not authorized|"
    r"(?:User: \S{1,600} )?is not authorized|Not authorized to perform|"
    r"UnauthorizedOperation|Encoded authorization failure)"
)
_ENCODED = re.compile(
    r"Encoded authori[sz]ation failure message: ?(?P<blob>[A-Za-z0-9_-]{16,20000})"
)
_HEAD_BUCKET = re.compile(r"Could not access the deployment bucket")
_GENERIC = re.compile(
    r"Access ?Denied|AccessDenied(?:Exception)?\b|UnauthorizedOperation\b|"
    r"You are not authorized to perform this operation|AuthorizationError\b"
)
_ARN_SERVICE = re.compile(
    r"arn:aws[\w-]{0,12}:(?P<svc>[a-z0-9-]{2,40}):(?P<region>[a-z0-9-]{0,30}):"
)
_REGION = re.compile(r"\b(?P<region>(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov)?-[a-z]{4,10}-\d)\b")
_HOST_SERVICE = re.compile(
    r"(?:^|[/.])(?P<svc>[a-z0-9-]{2,40})\.(?:[a-z]{2}(?:-gov)?-[a-z]{4,10}-\d\.)?amazonaws\.com"
)
_CDK_ARG_HINTS = {
    "Bucket": "s3",
    "StackName": "cloudformation",
    "FunctionName": "lambda",
    "RoleName": "iam",
    "RepositoryName": "ecr",
    "TableName": "dynamodb",
}

PERMISSION_CODES = frozenset(
    {
        "accessdenied",
        "accessdeniedexception",
        "unauthorizedoperation",
        "client.unauthorizedoperation",
        "authorizationerror",
        "authorizationerrorexception",
        "accessdeniedfault",
        "unauthorizedaccess",
        "insufficientpermissionsexception",
        "unauthorizedaccessexception",
    }
)
_STATUS_CODES = frozenset({"403", "forbidden"})
_NEGATED = re.compile(r"\b(?:[Ww]ithout|[Nn]o|[Nn]ot|[Nn]ever) (?:an? |any )?[\"'`]?$")
"""`without AccessDenied`, `no Access Denied`: the words, not an error."""
_DENIED_TEXT = re.compile(r"Access ?Denied|AccessDenied|Forbidden|not authorized", re.IGNORECASE)
_NOT_PERMISSION = re.compile(
    r"InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|InvalidAccessKeyId|"
    r"RequestExpired|security token included in the request is (?:invalid|expired)|"
    r"RequestTimeTooSkewed|AuthFailure"
)


@dataclass
class _Frame:
    """A call named in the text: where its message runs, what was called, what failed."""

    start: int
    body: int
    op: str
    code: str
    hints: list[str] = field(default_factory=list)
    end: int = 0
    claimed: bool = False


def scan(flat: str, region: str | None) -> list[Found]:
    """Every denial in normalised text, with its position (not yet de-duplicated)."""
    frames = _frames(flat)
    starts = [frame.start for frame in frames]
    found: list[Found] = []
    sentence_spans: list[tuple[int, int]] = []
    for match in _NOT_AUTHORIZED.finditer(flat):
        frame = _enclosing(frames, starts, match.start())
        if frame is not None:
            frame.claimed = True
        found.append(Found(match.start(), _sentence_denial(flat, match, frame, region)))
        sentence_spans.append((match.start(), match.end()))
    encoded_owners: set[int] = set()
    for frame in frames:
        if frame.claimed or not _is_permission_frame(flat, frame):
            continue
        blob = _encoded_in(flat, frame.body, frame.end)
        if blob is not None:
            encoded_owners.add(blob[0])
        found.extend(Found(frame.start, d) for d in _frame_denials(flat, frame, region, blob))
    for match in _CFN_API.finditer(flat):
        denial = _cfn_denial(flat, match, region, sentence_spans, encoded_owners)
        if denial is not None:
            found.append(Found(match.start(), denial))
    for match in _HEAD_BUCKET.finditer(flat):
        resolution = resolve_operation("HeadBucket", ("s3",), region)
        found.extend(Found(match.start(), d) for d in _resolved(resolution, "HeadBucket", match[0]))
    for match in _ENCODED.finditer(flat):
        if match.start("blob") not in encoded_owners:
            found.append(
                Found(
                    match.start(),
                    Denial(
                        action=None,
                        deny=DenyKind.UNKNOWN,
                        encoded_message=match["blob"],
                        evidence=match[0][:200],
                    ),
                )
            )
    found.extend(other_forms(flat, region))
    found.sort(key=lambda f: f.position)
    return found


_GENERIC_WORDS = ("Access", "Unauthorized", "You are not authorized", "AuthorizationError")
_NOT_PERMISSION_WORDS = (
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "RequestExpired",
    "security token included",
    "RequestTimeTooSkewed",
    "AuthFailure",
)


def generic_denial(flat: str) -> Found | None:
    """A bare `Access Denied` with nothing more: one denial without an action."""
    if not any(word in flat for word in _GENERIC_WORDS):
        return None
    for generic in _GENERIC.finditer(flat):
        if _NEGATED.search(flat, max(0, generic.start() - 24), generic.start()) is None:
            evidence = _around(flat, generic.start())
            return Found(generic.start(), Denial(action=None, evidence=evidence))
    return None


def not_permission(flat: str) -> bool:
    """Whether the text shows a credential or signature failure, or a restriction no policy
    lifts (`not_policy_denials.json`): not a permission error a grant can fix."""
    if _not_policy(flat):
        return True
    if not any(word in flat for word in _NOT_PERMISSION_WORDS):
        return False
    return _NOT_PERMISSION.search(flat) is not None


@cache
def _not_policy_phrases() -> tuple[str, ...]:
    messages = load("curated", "not_policy_denials.json")["messages"]
    return tuple(entry["phrase"] for entry in messages)


def _not_policy(message: str) -> bool:
    return any(phrase in message for phrase in _not_policy_phrases())


def first_region(flat: str) -> str | None:
    """The first AWS region the text names (in an ARN first), as a hint for API Gateway."""
    return _first_region(flat)


def _around(flat: str, position: int) -> str:
    return flat[max(0, position - 80) : position + 200].strip()


def _first_region(flat: str) -> str | None:
    arn = next((m["region"] for m in _ARN_SERVICE.finditer(flat) if m["region"]), None)
    if arn:
        return arn
    match = _REGION.search(flat)
    return match["region"] if match else None


def _frames(flat: str) -> list[_Frame]:
    frames: list[_Frame] = []
    for match in _CLI_FRAME.finditer(flat):
        frames.append(_Frame(match.start(), match.end(), match["op"], match["code"]))
    for match in _GO_FRAME.finditer(flat):
        code = match["code"] if match["code"] != "api" else match["status"]
        frames.append(_Frame(match.start(), match.end(), match["op"], code, [match["svc"]]))
    for match in _CDK_FRAME.finditer(flat):
        window = flat[match.end() : match.end() + 600]
        code = _CDK_CODE.search(window)
        hints = [svc for key, svc in _CDK_ARG_HINTS.items() if f'"{key}"' in match["args"]]
        op = match["op"][:1].upper() + match["op"][1:]
        frames.append(_Frame(match.start(), match.end(), op, code["code"] if code else "", hints))
    for match in _PHP_FRAME.finditer(flat):
        host = _HOST_SERVICE.search(match["url"])
        hints = [host["svc"]] if host else []
        code = _JS3_CODE.search(flat, match.end(), match.end() + 1500)
        frames.append(
            _Frame(match.start(), match.end(), match["op"], code["code"] if code else "", hints)
        )
    for match in _JS3_FRAME.finditer(flat):
        code = _JS3_CODE.search(flat, max(0, match.start() - 1500), match.start())
        frames.append(
            _Frame(match.start(), match.start(), match["op"], code["code"] if code else "")
        )
    frames.sort(key=lambda f: f.start)
    for index, frame in enumerate(frames):
        limit = frames[index + 1].start if index + 1 < len(frames) else len(flat)
        newline = flat.find("\n", frame.body, limit)
        frame.end = min(limit, frame.body + _WINDOW, newline if newline >= 0 else limit)
    return frames


def _enclosing(frames: list[_Frame], starts: list[int], position: int) -> _Frame | None:
    """The frame whose message holds `position` (frames are sorted and do not overlap)."""
    index = bisect_right(starts, position) - 1
    if index < 0:
        return None
    frame = frames[index]
    if frame.body <= position < frame.end and frame.body != frame.start:
        return frame
    return None


def _is_permission_frame(flat: str, frame: _Frame) -> bool:
    code = frame.code.lower()
    message = flat[frame.body : frame.end]
    if _NOT_PERMISSION.search(message[:400]) or _not_policy(message[:400]):
        return False
    if code in PERMISSION_CODES:
        return True
    return code in _STATUS_CODES and _DENIED_TEXT.search(message[:400]) is not None


def _encoded_in(flat: str, start: int, end: int) -> tuple[int, str] | None:
    match = _ENCODED.search(flat, start, end)
    return (match.start("blob"), match["blob"]) if match else None


def _hints(flat: str, frame: _Frame) -> list[str]:
    hints = list(frame.hints)
    hints.extend(m["svc"] for m in _ARN_SERVICE.finditer(flat, frame.body, frame.end))
    if "s3://" in flat[frame.body : frame.end]:
        hints.append("s3")
    return hints


def _frame_denials(
    flat: str, frame: _Frame, region: str | None, blob: tuple[int, str] | None
) -> list[Denial]:
    resolution = resolve_operation(frame.op, _hints(flat, frame), region)
    evidence = flat[frame.start : min(frame.end, frame.start + 400)]
    encoded = blob[1] if blob else None
    denials = _resolved(resolution, frame.op, evidence, encoded)
    return [repair_kind(d, flat, frame.body, frame.end - frame.body) for d in denials]


def _resolved(
    resolution: Resolution | None, op: str, evidence: str, encoded: str | None = None
) -> list[Denial]:
    deny = DenyKind.UNKNOWN if encoded else DenyKind.IMPLICIT
    if resolution is None:
        return [
            Denial(action=None, operation=op, deny=deny, encoded_message=encoded, evidence=evidence)
        ]
    return [
        Denial(
            action=str(action),
            resource=resolution.resource,
            operation=op,
            deny=deny,
            encoded_message=encoded,
            action_known=action.known,
            evidence=evidence,
        )
        for action in resolution.actions
    ]


def _sentence_action(
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


def _sentence_denial(
    flat: str, match: re.Match[str], frame: _Frame | None, region: str | None
) -> Denial:
    before = flat[max(0, match.start() - _LOOK_BACK) : match.start()]
    before = before[:-3] if before.endswith(("is ", "Is ")) else before
    start = before.rfind("arn:")  # the principal is the last ARN before the sentence
    principal_match = _PRINCIPAL_BEFORE.match(before, start) if start >= 0 else None
    principal = _clean_arn(principal_match["arn"]) if principal_match else None
    action, operation, mapped_resource = _sentence_action(match["svc"], match["name"], region)
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
        operation=frame.op if frame is not None else operation,
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


def _cfn_denial(
    flat: str,
    match: re.Match[str],
    region: str | None,
    sentence_spans: list[tuple[int, int]],
    encoded_owners: set[int],
) -> Denial | None:
    denied = _CFN_DENIED.match(flat, match.end(), match.end() + 700)
    if denied is None:
        return None
    if any(match.end() <= start <= denied.end() for start, _ in sentence_spans):
        return None
    blob = _encoded_in(flat, match.end(), match.end() + 400)
    encoded = None
    if blob is not None:
        encoded_owners.add(blob[0])
        encoded = blob[1]
    deny = DenyKind.UNKNOWN if encoded else DenyKind.IMPLICIT
    if deny is DenyKind.IMPLICIT:
        deny = reason_in(flat, match.end()) or DenyKind.IMPLICIT
    action, operation, resource = _sentence_action(match["svc"], match["name"], region)
    return Denial(
        action=str(action),
        resource=resource,
        operation=operation,
        deny=deny,
        encoded_message=encoded,
        action_known=action.known,
        evidence=flat[match.start() : denied.end()],
    )

"""Read denials from normalised text (see `autofix.denials.normalise`).

Each kind of evidence is read by a regular expression that starts with a literal and
looks around only in bounded windows, so reading stays linear in the size of the input:

- the IAM sentence `... is not authorized to perform: ACTION ...` (read by `sentence`);
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
from autofix.denials.forms import Found, other_forms, reason_in, repair_kind, resolved_denials
from autofix.denials.model import CREDENTIAL_FAILURES, Denial, DenyKind
from autofix.denials.operations import Resolution, resolve_operation
from autofix.denials.sentence import sentence_action, sentence_denial

_WINDOW = 3000

_NOT_AUTHORIZED = re.compile(
    r"[Nn]ot authorized to perform ?:? ?[\"'`]?"
    r"(?P<svc>[A-Za-z0-9-]{1,64}) ?: ?(?P<name>[A-Za-z0-9*_-]{1,128})"
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
        frame_op = None
        if frame is not None:
            frame.claimed = True
            frame_op = frame.op
        found.append(Found(match.start(), sentence_denial(flat, match, frame_op, region)))
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
    return any(words in flat for words in CREDENTIAL_FAILURES)


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
    if not_permission(message[:400]):
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
    if resolution is None:  # an SDK frame that maps to no action is still a denial
        deny = DenyKind.UNKNOWN if encoded else DenyKind.IMPLICIT
        return [
            Denial(action=None, operation=op, deny=deny, encoded_message=encoded, evidence=evidence)
        ]
    return resolved_denials(resolution, op, evidence, encoded=encoded)


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
    action, operation, resource = sentence_action(match["svc"], match["name"], region)
    return Denial(
        action=str(action),
        resource=resource,
        operation=operation,
        deny=deny,
        encoded_message=encoded,
        action_known=action.known,
        evidence=flat[match.start() : denied.end()],
    )

"""`autofix explain`: what a piece of error text says about permissions."""

from __future__ import annotations

import json

from autofix.denials.model import Denial, DenyKind
from autofix.denials.parse import parse_denials

WHY: dict[DenyKind, str] = {
    DenyKind.IMPLICIT: "implicit deny: no identity-based policy allows it",
    DenyKind.EXPLICIT_IDENTITY: "explicit deny in an identity-based policy",
    DenyKind.SCP: "denied by an AWS Organizations service control policy",
    DenyKind.BOUNDARY: "denied by the principal's permissions boundary",
    DenyKind.SESSION: "denied by the session policy of these credentials",
    DenyKind.RESOURCE_POLICY: "denied by a resource-based policy (bucket, key, layer, trust...)",
    DenyKind.UNKNOWN: "denied for a reason the message does not state",
}


def explain_json(text: str) -> str:
    """The stable contract: `{"denials": [...]}`."""
    return json.dumps({"denials": [d.to_json() for d in parse_denials(text)]}, indent=2)


def explain_human(text: str) -> str:
    denials = parse_denials(text)
    if not denials:
        return "No permission error found in this text."
    count = f"{len(denials)} denial{'s' if len(denials) != 1 else ''} found."
    return "\n\n".join([count, *(describe(d) for d in denials)])


def _verdict(denial: Denial) -> str:
    if denial.fixable:
        return "yes: an identity-policy Allow fixes it"
    if denial.encoded_message is not None:
        return (
            "not yet: decode the message (sts:DecodeAuthorizationMessage) to learn what was denied"
        )
    if denial.action is None:
        return "no: the text names no action (look at stack events or the deny log)"
    if not denial.action_known:
        return f"no: {denial.action} does not exist in IAM, so it cannot be granted"
    return "no: an Allow cannot override this deny; change the policy named above"


def describe(denial: Denial) -> str:
    """A few lines a person reads: what, to whom, on what, why, and whether a grant fixes it."""
    lines = [f"denied:    {denial.action or '(action not named)'}"]
    if denial.operation:
        lines.append(f"operation: {denial.operation}")
    lines.append(f"principal: {denial.principal or '(not named)'}")
    lines.append(f"resource:  {denial.resource or '(not named)'}")
    why = WHY[denial.deny]
    if denial.policy_arn:
        why += f" ({denial.policy_arn})"
    lines.append(f"why:       {why}")
    if denial.encoded_message is not None:
        blob = denial.encoded_message
        lines.append(f"encoded:   {blob[:40]}{'...' if len(blob) > 40 else ''}")
    lines.append(f"fixable:   {_verdict(denial)}")
    return "\n".join(lines)

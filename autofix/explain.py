"""`autofix explain`: what a piece of error text says about permissions."""

from __future__ import annotations

import json

from autofix.denials.model import Denial
from autofix.denials.parse import parse_denials


def explain_json(text: str) -> str:
    """The stable contract: `{"denials": [...]}`."""
    return json.dumps({"denials": [d.to_json() for d in parse_denials(text)]}, indent=2)


def explain_human(text: str) -> str:
    denials = parse_denials(text)
    if not denials:
        return "No permission error found in this text."
    return "\n\n".join(describe(d) for d in denials)


def describe(denial: Denial) -> str:
    """A few lines a person reads: what, to whom, on what, why, and whether a grant fixes it."""
    lines = [f"denied:    {denial.action or '(action not named)'}"]
    if denial.operation:
        lines.append(f"operation: {denial.operation}")
    lines.append(f"principal: {denial.principal or '(not named)'}")
    lines.append(f"resource:  {denial.resource or '(not named)'}")
    lines.append(f"why:       {denial.deny.value}")
    verdict = "yes: an identity-policy Allow fixes it" if denial.fixable else "no"
    lines.append(f"fixable:   {verdict}")
    return "\n".join(lines)

"""A statement's `Condition` block, decided against a request's context as IAM does.

The rules (IAM User Guide, "IAM JSON policy elements: Condition operators",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):

- every operator in the block must hold, and every key under an operator; a key holds when
  the request's value matches any of the policy's values (`StringNotEquals`: none of them);
- a key absent from the request context makes the condition false, except for the negated
  operators (`StringNotEquals`, `ArnNotLike`, ...), where it is true, `...IfExists` (true
  when absent) and `Null` (which tests for absence);
- `ForAnyValue:` holds when any request value matches (false when absent), `ForAllValues:`
  when every request value matches (true when absent).

Keys are case-insensitive, values case-sensitive (but for `...IgnoreCase`). An operator this
module does not know holds nowhere: a statement it guards never applies, as a policy IAM
cannot read grants nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Context = Mapping[str, Sequence[str]]
"""Condition key (lower case) -> the request's values of it (absent: not in the request)."""


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _arn_like(pattern: str, value: str) -> bool:
    """ARN matching: each of the six colon-separated parts matched on its own."""
    parts, values = pattern.split(":", 5), value.split(":", 5)
    if len(parts) != 6 or len(values) != 6:
        return False
    return all(_glob(p, v) for p, v in zip(parts, values, strict=True))


def _bool(policy: str, value: str) -> bool:
    return policy.lower() == value.lower()


_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda p, v: p == v,
    "stringequalsignorecase": lambda p, v: p.lower() == v.lower(),
    "stringlike": _glob,
    "arnequals": _arn_like,
    "arnlike": _arn_like,
    "bool": _bool,
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}


def holds(block: Any, context: Context) -> bool:
    """Whether every condition in `block` holds for a request with `context`."""
    if not block:
        return True
    if not isinstance(block, Mapping):
        return False
    lowered = {k.lower(): list(v) for k, v in context.items()}
    for operator, pairs in block.items():
        if not isinstance(pairs, Mapping):
            return False
        for key, wanted in pairs.items():
            values = [str(w) for w in (wanted if isinstance(wanted, list) else [wanted])]
            if not _one(str(operator), values, lowered.get(str(key).lower())):
                return False
    return True


def _one(operator: str, wanted: list[str], present: list[str] | None) -> bool:
    """One operator on one key: `present` is the request's values (None: key absent)."""
    name = operator.lower()
    qualifier, _, name = name.rpartition(":")
    if name == "null":
        absent = present is None or not present
        return any(_bool(w, "true" if absent else "false") for w in wanted)
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    negated = name in _NEGATED
    base = _NEGATED.get(name, name)
    matcher = _MATCHERS.get(base)
    if matcher is None or qualifier not in ("", "forallvalues", "foranyvalue"):
        return False  # an operator IAM has and this sandbox does not evaluate: never holds
    if present is None:
        if if_exists or qualifier == "forallvalues":
            return True
        return negated and qualifier == ""

    def matches(value: str) -> bool:
        hit = any(matcher(w, value) for w in wanted)
        return not hit if negated else hit

    if qualifier == "forallvalues":
        return all(matches(v) for v in present)
    return any(matches(v) for v in present)

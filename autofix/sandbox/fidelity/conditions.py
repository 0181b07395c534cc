"""A statement's `Condition` block, decided against a request's context as IAM does.

The rules (IAM User Guide, "IAM JSON policy elements: Condition operators",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):

- every operator in the block must hold, and every key under an operator; a key holds when
  the request's value matches any of the policy's values (a negated operator,
  `StringNotEquals`, `NumericNotEquals`, `DateNotEquals`, `NotIpAddress`, `ArnNotLike`...:
  when it matches none of them);
- the operators: `String*` (`Like` with `*` and `?`, `IgnoreCase`), `Numeric*` (Equals,
  NotEquals, LessThan[Equals], GreaterThan[Equals]), `Date*` (the same six; ISO 8601 or
  epoch seconds), `Bool`, `BinaryEquals` (base64, compared as given), `IpAddress` /
  `NotIpAddress` (CIDR blocks, IPv4 and IPv6; a plain address is its own /32 or /128),
  `Arn*` (each of the six colon-separated parts matched on its own, `*` and `?` in each);
- a key absent from the request context makes the condition false, except for the negated
  operators, where it is true, `...IfExists` (true when absent; every operator but `Null`
  takes it) and `Null` (`true`: the key is absent, `false`: it is present);
- `ForAnyValue:` holds when any request value matches (false when absent), `ForAllValues:`
  when every request value matches (true when absent).

Keys are case-insensitive, values case-sensitive (but for `...IgnoreCase`). A request value
that is no number, date or address fails a numeric, date or IP comparison (negated or not).
An operator this module does not know holds nowhere: a statement it guards never applies, as
a policy IAM cannot read grants nothing. Policy variables (`${aws:username}`) are not
substituted.
"""

from __future__ import annotations

import ipaddress
import operator as op
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Context = Mapping[str, Sequence[str]]
"""Condition key (lower case) -> the request's values of it (absent: not in the request)."""
Matcher = Callable[[str, str], bool]
"""(policy value, request value) -> whether they match."""

_EPOCH = re.compile(r"^-?\d+(\.\d+)?$")


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


def _number(text: str) -> Decimal | None:
    try:
        found = Decimal(text.strip())
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def _date(text: str) -> float | None:
    """An ISO 8601 date or time (UTC when it names no zone), or epoch seconds."""
    text = text.strip()
    if _EPOCH.match(text):
        return float(text)
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (found if found.tzinfo else found.replace(tzinfo=UTC)).timestamp()


def _compare(parse: Callable[[str], Any], compare: Callable[[Any, Any], bool]) -> Matcher:
    """A matcher comparing (request value, policy value) once both parse."""

    def matches(policy: str, value: str) -> bool:
        wanted, given = parse(policy), parse(value)
        return wanted is not None and given is not None and bool(compare(given, wanted))

    return matches


def _in_block(policy: str, value: str) -> bool:
    try:
        network = ipaddress.ip_network(policy.strip(), strict=False)
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return address.version == network.version and address in network


_ORDERS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": op.eq,
    "lessthan": op.lt,
    "lessthanequals": op.le,
    "greaterthan": op.gt,
    "greaterthanequals": op.ge,
}
_MATCHERS: dict[str, Matcher] = {
    "stringequals": lambda p, v: p == v,
    "stringequalsignorecase": lambda p, v: p.lower() == v.lower(),
    "stringlike": _glob,
    "arnequals": _arn_like,
    "arnlike": _arn_like,
    "bool": _bool,
    "binaryequals": lambda p, v: p == v,
    "ipaddress": _in_block,
    **{f"numeric{name}": _compare(_number, order) for name, order in _ORDERS.items()},
    **{f"date{name}": _compare(_date, order) for name, order in _ORDERS.items()},
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
    "notipaddress": "ipaddress",
}
_QUALIFIERS = ("", "forallvalues", "foranyvalue")


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
            values = [_text(w) for w in (wanted if isinstance(wanted, list) else [wanted])]
            if not _one(str(operator), values, lowered.get(str(key).lower())):
                return False
    return True


def _text(value: Any) -> str:
    """A policy value as text (JSON `true` is `"true"`, as IAM reads it)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _one(operator: str, wanted: list[str], present: list[str] | None) -> bool:
    """One operator on one key: `present` is the request's values (None: key absent)."""
    qualifier, _, name = operator.lower().rpartition(":")
    if qualifier not in _QUALIFIERS:
        return False
    if name == "null":
        absent = present is None or not present
        return any(_bool(w, "true" if absent else "false") for w in wanted)
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    negated = name in _NEGATED
    matcher = _MATCHERS.get(_NEGATED.get(name, name))
    if matcher is None:
        return False  # an operator IAM has and this sandbox does not evaluate: never holds
    if present is None:
        if if_exists or qualifier == "forallvalues":
            return True
        return negated and qualifier == ""

    def matches(value: str) -> bool:
        hit = any(matcher(w, value) for w in wanted)
        if negated and not _comparable(name, value):
            return False  # no number, date or address: the comparison fails either way
        return not hit if negated else hit

    if qualifier == "forallvalues":
        return all(matches(v) for v in present)
    return any(matches(v) for v in present)


def _comparable(name: str, value: str) -> bool:
    """Whether a request value can be compared by the (negated) operator `name`."""
    if name.startswith("numeric"):
        return _number(value) is not None
    if name.startswith("date"):
        return _date(value) is not None
    if name == "notipaddress":
        return _in_block("::/0", value) or _in_block("0.0.0.0/0", value)
    return True

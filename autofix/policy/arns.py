"""ARNs and IAM wildcard matching (`*` any run, `?` one character, case-sensitive)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Arn:
    """The six colon-separated fields of an ARN; `resource` keeps any further colons."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn | None:
        """The ARN in `text`, or None when it is not `arn:P:S:R:A:RESOURCE`."""
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
            return None
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])

    def __str__(self) -> str:
        return ":".join(
            ("arn", self.partition, self.service, self.region, self.account, self.resource)
        )


_PARTITION = re.compile(r"aws(-[a-z]+)*")


def malformed(text: str) -> str | None:
    """Why `text`, written as an ARN (`arn:...`), is none IAM takes in a policy (None: it is
    one, or it is not written as an ARN): fewer than six fields, no service, or a partition
    that is none (`arn::lambda:...`: IAM refuses the policy, MalformedPolicyDocument)."""
    if not text.startswith("arn:"):
        return None
    parts = text.split(":", 5)
    if len(parts) != 6:
        return "it has fewer than an ARN's six fields (arn:partition:service:region:account:...)"
    if not _PARTITION.fullmatch(parts[1]):
        return f"its partition {parts[1]!r} is none of AWS's (aws, aws-cn, aws-us-gov, ...)"
    if not parts[2]:
        return "it names no service"
    return None


@lru_cache(maxsize=4096)
def _glob(pattern: str, *, pattern_over_pattern: bool) -> re.Pattern[str]:
    pieces = []
    for char in pattern:
        if char == "*":
            pieces.append(".*")
        elif char == "?":
            # A `?` covers one character of the other pattern: a concrete one or its own
            # `?` (one character too), never a `*` (any number of them).
            pieces.append("[^*]" if pattern_over_pattern else ".")
        else:
            pieces.append(re.escape(char))
    return re.compile("".join(pieces), re.DOTALL)


def matches(pattern: str, value: str) -> bool:
    """Whether the IAM resource `pattern` matches the concrete ARN `value`.

    ARNs are matched field by field (a `*` in the region never reaches the account);
    within the resource field `*` spans `/` and `:` as it does in IAM.
    """
    return _fieldwise(pattern, value, pattern_over_pattern=False)


def covers(broad: str, narrow: str) -> bool:
    """Whether every ARN that `narrow` matches is matched by `broad` too (sound, not complete)."""
    return _fieldwise(broad, narrow, pattern_over_pattern=True)


def _fieldwise(pattern: str, value: str, *, pattern_over_pattern: bool) -> bool:
    if pattern == "*":
        return True
    p_fields, v_fields = pattern.split(":", 5), value.split(":", 5)
    if len(p_fields) != 6 or len(v_fields) != 6:
        return (
            _glob(pattern, pattern_over_pattern=pattern_over_pattern).fullmatch(value) is not None
        )
    return all(
        _glob(p, pattern_over_pattern=pattern_over_pattern).fullmatch(v) is not None
        for p, v in zip(p_fields, v_fields, strict=True)
    )

"""A short, deterministic string that a provider schema's `pattern` accepts.

Patterns are parsed with Python's own regular-expression parser after the few
constructs only the `regex` module knows (`\\p{L}`, `\\P{C}`, a late `(?s)`) are
translated to plain character classes; the result is checked with `regex`, as
cfn-lint checks it. Repeats take their minimum count, then more until the length
bounds hold; alternatives are tried first to last.
"""

from __future__ import annotations

import re
import re._constants as C
import re._parser as P
import warnings
from collections.abc import Callable
from typing import Any

import regex

_PROPERTY_CLASSES = {
    "L": "a-zA-Z",
    "N": "0-9",
    "Nd": "0-9",
    "Z": " ",
    "Zs": " ",
    "P": "_.",
    "S": "+",
    "M": "a",
    "ASCII": "a-zA-Z0-9",
    "Graph": "a-zA-Z0-9",
    "Alnum": "a-zA-Z0-9",
    "Alpha": "a-zA-Z",
    "Print": "a-zA-Z0-9",
}
_NEGATED_CLASSES = {"C": "a-zA-Z0-9", "Cc": "a-zA-Z0-9"}
_PREFERRED = "a0b1c2dexyzABC_-. "
_UNICODE_PROPERTY = re.compile(r"\\([pP])\{\^?([A-Za-z_]+)\}")
_MAX_EXTRA = 64


def _translate(pattern: str) -> str:
    """`pattern` with regex-only syntax replaced by what `re` parses."""
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            found = _UNICODE_PROPERTY.match(pattern, index)
            if found:
                negated, name = found.group(1) == "P", found.group(2)
                table = _NEGATED_CLASSES if negated else _PROPERTY_CLASSES
                chars = table.get(name, "a-zA-Z0-9" if negated else "a")
                out.append(chars if in_class else f"[{chars}]")
                index = found.end()
                continue
            out.append(r"\Z" if pattern[index + 1] == "z" else pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    text = "".join(out)
    flags = "".join(f for f in ("(?s)", "(?i)") if f in text[4:])  # a late global flag
    for flag in ("(?s)", "(?i)"):
        if flag in text[4:]:
            text = text[:4] + text[4:].replace(flag, "")
    return flags + text


def _class_char(items: list[tuple[Any, Any]]) -> str:
    """A character of a class: a plain letter or digit when the class allows one."""
    negate = any(op is C.NEGATE for op, _ in items)
    first: list[str] = []
    allowed: set[int] = set()
    for op, arg in items:
        if op is C.LITERAL:
            first.append(chr(arg))
            allowed.add(arg)
        elif op is C.RANGE:
            first.append(chr(arg[0]))
            allowed.update(range(arg[0], arg[1] + 1))
        elif op is C.CATEGORY:
            char = _category_char(arg)
            first.append(char)
            allowed.add(ord(char))
    if negate:
        spare = (chr(c) for c in range(32, 0x3000) if c not in allowed)
        return next((c for c in _PREFERRED if ord(c) not in allowed), next(spare, "~"))
    return next((c for c in _PREFERRED if ord(c) in allowed), first[0] if first else "a")


def _category_char(category: Any) -> str:
    name = str(category)
    if "NOT_DIGIT" in name or "NOT_SPACE" in name:
        return "a"
    if "DIGIT" in name:
        return "0"
    if "NOT_WORD" in name:
        return "-"
    if "SPACE" in name:
        return " "
    return "a"


class _Writer:
    def __init__(self, extra: int, branch: int, optional: bool = False) -> None:
        self.extra = extra
        self.optional = optional  # `(...)?` written once
        self.branch = branch
        self.groups: dict[int, str] = {}

    def write(self, parsed: Any) -> str:
        return "".join(self._node(op, arg) for op, arg in parsed)

    def _node(self, op: Any, arg: Any) -> str:
        if op is C.LITERAL:
            return chr(arg)
        if op is C.NOT_LITERAL:
            return "a" if chr(arg) != "a" else "b"
        if op is C.ANY:
            return "a"
        if op is C.IN:
            return _class_char(list(arg))
        if op is C.CATEGORY:
            return _category_char(arg)
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            count = 1 if self.optional and (low, high) == (0, 1) else low
            if self.extra and (high == C.MAXREPEAT or high > low):
                top = high if high != C.MAXREPEAT else low + self.extra
                count = min(top, low + self.extra)
            return "".join(self.write(sub) for _ in range(count))
        if op is C.SUBPATTERN:
            group, _add, _del, sub = arg
            text = self.write(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if op is C.ATOMIC_GROUP if hasattr(C, "ATOMIC_GROUP") else False:
            return self.write(arg)
        if op is C.BRANCH:
            alternatives = arg[1]
            return self.write(alternatives[min(self.branch, len(alternatives) - 1)])
        if op is C.GROUPREF:
            return self.groups.get(arg, "")
        return ""  # AT (anchors), ASSERT, ASSERT_NOT: nothing to write


def sample(
    pattern: str,
    min_length: int = 0,
    max_length: int | None = None,
    accept: Callable[[str], bool] | None = None,
) -> str | None:
    """A string `pattern` accepts (regex.search, as cfn-lint) within the bounds (and that
    `accept`, when given, accepts too), or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # `[a||b]` written as a union
            parsed = P.parse(_translate(pattern))
        checker = regex.compile(pattern)
    except (re.error, regex.error, AssertionError, RecursionError, OverflowError):
        return None
    tries = [(0, 0, True)] + [(b, e, False) for b in range(4) for e in range(_MAX_EXTRA)]
    for branch, extra, optional in tries:
        text = _Writer(extra, branch, optional).write(parsed)
        if len(text) < min_length or (max_length is not None and len(text) > max_length):
            continue
        if checker.search(text) and (accept is None or accept(text)):
            return text
    return None

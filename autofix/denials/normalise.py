"""Make error text parseable: drop colour codes, escapes, markup and log prefixes; unwrap lines.

The result keeps paragraph breaks (blank lines) as newlines and joins every other line
break: with no space where a line was cut at a terminal width or after a hyphen (a
word or ARN split in two), with one space otherwise. Every step is a linear scan.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_ANSI = re.compile(
    r"\x1b\[[0-9;?]{0,32}[ -/]{0,4}[@-~]"
    r"|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)"
    r"|\x1b[@-Z\\-_]"
)
_BARE_SGR = re.compile(r"\[(?:\d{1,3};){0,8}\d{1,3}m")
_XML_TAG = re.compile(
    r"<\?xml[^<>]{0,200}\?>|(?<![:/])</?[A-Za-z][\w:.-]{0,60}(?:\s[^<>\n]{0,300})?/?>"
)
_ENTITIES = {"&quot;": '"', "&#34;": '"', "&apos;": "'", "&#39;": "'", "&lt;": "<", "&gt;": ">"}
_ENTITY = re.compile("|".join(map(re.escape, [*_ENTITIES, "&amp;"])))
_LINE_PREFIX = re.compile(
    r"^(?:"
    r"[ \t]+"
    r"|[│┃|>»]+"
    r"|\[Container\]"
    r"|\[?\d{4}[-/]\d\d[-/]\d\d(?:[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?)?\]?"
    r"|\[?\d\d:\d\d:\d\d(?:[.,]\d{1,9})?\]?"
    r"|\[?(?:DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERRO|FATAL|TRACE)\]?:?(?=\s)"
    r"|[\w.-]{1,40}\[\d{1,10}\]:"
    r"|plugin\.[\w.-]{1,80}:"
    r"|[-*+•](?=\s)"
    r"|#{1,6}(?=\s)"
    r"|E(?=\s{2,})"
    r"|\d{1,4}\.(?=\s)"
    r")"
)
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
WRAP_WIDTHS = frozenset({80, 120})


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor codes (also when the ESC byte was lost)."""
    return _BARE_SGR.sub("", _ANSI.sub("", text))


def unescape(text: str) -> str:
    """Undo JSON/string escaping: `\\"` -> `"`, `\\n` -> newline, `\\u001b` -> ESC."""
    if "\\" not in text:
        return text
    for _ in range(3):
        if '\\"' not in text and "\\\\" not in text:
            break
        text = text.replace('\\\\"', '\\"').replace('\\"', '"')
    return (
        text.replace("\\u001b", "\x1b")
        .replace("\\u001B", "\x1b")
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\\t", " ")
        .replace("\\/", "/")
    )


def strip_markup(text: str) -> str:
    """Turn XML/HTML tags into spaces and decode the common entities."""
    if "<" in text:
        text = _XML_TAG.sub(" ", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: _ENTITIES.get(m[0], "&"), text)
    return text


def strip_prefix(line: str) -> str:
    """Remove log, quote, table and list prefixes from the start of one line."""
    for _ in range(12):
        match = _LINE_PREFIX.match(line)
        if match is None or not match.group(0):
            break
        line = line[match.end() :]
    return line.rstrip(" \t|│")


@dataclass(frozen=True)
class Line:
    """One cleaned line, its raw width and whether raw whitespace bordered it."""

    text: str
    width: int
    leading_space: bool
    trailing_space: bool


def clean_lines(text: str) -> list[Line]:
    """Lines without escapes, colour, markup and prefixes."""
    text = strip_ansi(unescape(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_markup(text)
    return [
        Line(strip_prefix(raw).strip(), len(raw), raw[:1].isspace(), raw[-1:].isspace())
        for raw in text.split("\n")
    ]


def _wrap_widths(lines: list[Line]) -> set[int]:
    """Widths at which this text was cut by a terminal rather than wrapped at words.

    A terminal cut leaves most long lines exactly at the width; word wrapping leaves
    them a little short of it. A width counts when lines of exactly that width are at
    least as many as lines up to 15 columns shorter.
    """
    counts = Counter(line.width for line in lines if line.width >= 40)
    candidates = set(WRAP_WIDTHS)
    if counts:
        widest, count = max(counts.items())
        if count >= 3:
            candidates.add(widest)
    return {
        width
        for width in candidates
        if counts.get(width, 0) > 0
        and counts[width] >= sum(counts.get(w, 0) for w in range(width - 15, width))
    }


def normalise(text: str) -> str:
    """One parseable string: paragraphs on their own lines, wrapped lines joined."""
    lines = clean_lines(text)
    cut_widths = _wrap_widths(lines)
    parts: list[str] = []
    previous: Line | None = None
    for line in lines:
        if not line.text:
            if previous is not None:
                parts.append("\n")
            previous = None
            continue
        if previous is not None:
            mid_word = (
                previous.width in cut_widths
                and not previous.trailing_space
                and not line.leading_space
            )
            hyphen = previous.text.endswith("-") and line.text[:1].isalnum()
            if not (mid_word or hyphen):
                parts.append(" ")
        parts.append(line.text)
        previous = line
    return _SPACES.sub(" ", "".join(parts))

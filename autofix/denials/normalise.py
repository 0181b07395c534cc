"""Make error text parseable: drop colour codes, escapes, markup and log prefixes; unwrap lines.

The result keeps paragraph breaks (blank lines) as newlines and joins every other line
break: with no space where the evidence says a terminal or a table cut a token in two,
with one space otherwise. `Normaliser` does this as a stream, one bounded block of lines
at a time, so memory stays bounded and time linear in the size of the input.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from autofix.denials.actions import parse_action
from autofix.denials.operations import operation_known
from autofix.denials.table import TableReader

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
_NEWLINES = re.compile(r"\r\n|\r|\n")
# A stray space inside an ARN: before the `:` that starts its resource, or right after it.
_ARN_GAP = re.compile(
    r"(\barn:[\w-]{1,20}:[\w-]{0,40}:[\w-]{0,30}:[^\s:\"'`]{1,64}) (?=:[^\s:])"
    r"|(\barn:[\w-]{1,20}:[\w-]{1,40}:[\w-]{0,30}:[^\s:\"'`]{0,64}:) (?=[\w*<{])"
)
_CONTINUES_TOKEN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789/:._-*=@,)]}>")
_OPENS_TOKEN = frozenset(":/-_=.@<[{(")
WRAP_WIDTHS = frozenset({80, 120})
BLOCK_LINES = 4096


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor codes (also when the ESC byte was lost)."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "m" in text and "[" in text:
        text = _BARE_SGR.sub("", text)
    return text


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


def repair_arns(text: str) -> str:
    """`arn:aws:iam::1 :user/x` -> `arn:aws:iam::1:user/x` (a space no ARN can hold)."""
    if "arn:" not in text:
        return text
    return _ARN_GAP.sub(lambda m: m[1] or m[2], text)


@dataclass(frozen=True)
class Line:
    """One cleaned line and the evidence about how it was cut.

    `width` is the raw width (or the table cell's width), `cut` the column width of the
    table cell it belongs to, `prefixed` whether a log prefix opened it (a new record).
    """

    text: str
    width: int
    leading_space: bool = False
    trailing_space: bool = False
    prefixed: bool = False
    cut: int | None = None


def _clean(raw: str) -> str:
    return strip_markup(strip_ansi(unescape(raw)))


def _line(raw: str) -> Line:
    stripped = strip_prefix(raw)
    text = repair_arns(stripped.strip())
    prefixed = bool(stripped) and raw.lstrip(" \t")[:1] != stripped[:1]
    return Line(text, len(raw), raw[:1].isspace(), raw[-1:].isspace(), prefixed)


def _wrap_widths(lines: list[Line]) -> set[int]:
    """Widths at which this text was cut by a terminal rather than wrapped at words.

    A terminal cut leaves most long lines exactly at the width; word wrapping leaves
    them a little short of it. A width counts when lines of exactly that width are at
    least as many as lines up to 15 columns shorter.
    """
    counts = Counter(line.width for line in lines if line.width >= 40 and line.cut is None)
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


_WORD_END = re.compile(r"[A-Za-z0-9]+$")
_WORD_START = re.compile(r"^[A-Za-z0-9]+")
_ERROR_CODES = frozenset({"accessdenied", "accessdeniedexception", "unauthorizedoperation"})
_QUOTES = "'\"`"


def _known_word(word: str) -> bool:
    return word.lower() in _ERROR_CODES or operation_known(word)


def _completes_token(before: str, after: str) -> bool:
    """Whether joining the halves finishes a token that is unfinished or wrong on its own.

    An ARN with fewer than five colons, a quote opened in the last token and closed in
    the next, a path or ARN continued by a path, a dotted name (`...model.AmazonS3`), or a
    join that spells a known action, API operation or error code neither half spells.
    """
    head = before.rsplit(" ", 1)[-1]
    tail = after.split(" ", 1)[0]
    if head.startswith("arn:") and head.count(":") < 5:
        return True
    for quote in _QUOTES:
        if head.count(quote) % 2 == 1 and quote in tail:
            return True
    if ("/" in tail or ":" in tail) and ("/" in head or ":" in head):
        return True
    if head.count(".") >= 2 and " " not in head and tail[:1].isalpha():
        return True
    joined, alone = parse_action(head + tail), parse_action(head)
    if joined is not None and joined.known and (alone is None or not alone.known):
        return True
    left, right = _WORD_END.search(head), _WORD_START.match(tail)
    if left is None or right is None:
        return False
    word = left[0] + right[0]
    return _known_word(word) and not (_known_word(left[0]) or _known_word(right[0]))


def cut_mid_token(previous: Line, line: Line, width: int | None) -> bool:
    """Join without a space: `previous` fills a cut width exactly and the evidence agrees.

    Evidence: the next line does not open a new log record, and it continues a token
    (lower case, a digit or token punctuation), or `previous` ends on a token opener,
    or the join finishes an ARN or a known action that is unfinished without it.
    """
    if width is None or previous.width != width or line.prefixed:
        return False
    if previous.trailing_space or line.leading_space or not line.text or not previous.text:
        return False
    return (
        line.text[0] in _CONTINUES_TOKEN
        or previous.text[-1] in _OPENS_TOKEN
        or _completes_token(previous.text, line.text)
    )


class Normaliser:
    """Streams raw text into parseable text, one bounded block of lines at a time."""

    def __init__(self, block_lines: int = BLOCK_LINES) -> None:
        self._block_lines = block_lines
        self._block: list[Line] = []
        self._pending = ""
        self._previous: Line | None = None
        self._table = TableReader()

    def feed(self, text: str) -> str:
        """Take more raw text; return the parseable text of every finished block."""
        text = self._pending + text
        parts = _NEWLINES.split(text)
        self._pending = parts.pop()
        if self._pending.endswith("\r"):
            self._pending = self._pending[:-1]
            parts.append("")
        return "".join(self._add(parts))

    def close(self) -> str:
        """The parseable text of whatever is still held."""
        pending, self._pending = self._pending, ""
        return "".join([*self._add([pending] if pending else []), *self._flush()])

    def _add(self, raw_lines: list[str]) -> Iterator[str]:
        for raw in raw_lines:
            for piece in _NEWLINES.split(_clean(raw)):
                cell = self._table.read(piece)
                if cell is None:
                    self._block.append(_line(piece))
                else:
                    text, width, cut = cell
                    self._block.append(Line(repair_arns(text), width, cut=cut))
            if len(self._block) >= self._block_lines:
                yield from self._flush()

    def _flush(self) -> Iterator[str]:
        block, self._block = self._block, []
        widths = _wrap_widths(block)
        previous = self._previous
        for line in block:
            if not line.text:
                if previous is not None:
                    yield "\n"
                previous = None
                continue
            if previous is not None:
                width = previous.cut if previous.cut is not None else previous.width
                mid_token = cut_mid_token(
                    previous, line, width if previous.cut or width in widths else None
                )
                hyphen = previous.text.endswith("-") and line.text[:1].isalnum()
                if not (mid_token or hyphen):
                    yield " "
            yield line.text
            previous = line
        self._previous = previous


def normalise(text: str) -> str:
    """One parseable string: paragraphs on their own lines, wrapped lines joined."""
    normaliser = Normaliser()
    return _SPACES.sub(" ", normaliser.feed(text) + normaliser.close())


def squeeze_spaces(text: str) -> str:
    """Collapse runs of blanks to one space (the last step of `normalise`)."""
    return _SPACES.sub(" ", text)

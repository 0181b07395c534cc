"""Make error text parseable: drop colour codes, escapes, markup and log prefixes; unwrap lines.

The result keeps paragraph breaks (blank lines) as newlines and joins every other line
break: with no space where the evidence says a terminal or a table cut a token in two,
with one space otherwise. `Normaliser` does this as a stream, one bounded block of lines
at a time, so memory stays bounded and time linear in the size of the input.
"""

from __future__ import annotations

import re
from collections import Counter

from autofix.denials.table import TableReader
from autofix.denials.wraps import cell_join, joins_token, wrap_widths_from

_ANSI = re.compile(
    r"\x1b\[[0-9;?]{0,32}[ -/]{0,4}[@-~]"
    r"|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)"
    r"|\x1b[@-Z\\-_]"
)
_BARE_SGR = re.compile(r"\[(?:\d{1,3};){0,8}\d{1,3}m")
_XML_TAG = re.compile(  # literal first: a pattern that starts with `<` is searched fast
    r"<(?:\?xml[^<>]{0,200}\?>|(?<![:/]<)/?[A-Za-z][\w:.-]{0,60}(?:\s[^<>\n]{0,300})?/?>)"
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
_SPACES = re.compile("  +")
_BLANKS = ("\t", "\f", "\v", "\u00a0")
_NEWLINES = re.compile(r"\r\n|\r|\n")
# A stray space inside an ARN, before the `:` that starts its resource.
_ARN_GAP = re.compile(
    r"(arn(?<![\w-]arn):[\w-]{1,20}:[\w-]{0,40}:[\w-]{0,30}:[^\s:\"'`]{1,64}) (?=:[^\s:])"
)
BLOCK_CHARS = 1 << 18


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
    if "arn:" not in text or " :" not in text:
        return text
    return _ARN_GAP.sub(r"\1", text)


def _clean(raw: str) -> str:
    return strip_markup(strip_ansi(unescape(raw)))


_GLUE, _EMPTY = "\x01", "\x02"
# Prefixes are cut after each newline (a pattern that starts with a literal is fast).
_BLOCK_PREFIX = re.compile(
    "\n(?:" + _LINE_PREFIX.pattern[len("^(?:") : -1].replace(r"(?=\s", r"(?=[^\S\n]") + ")+"
)


def _prefixed(raw: str, text: str) -> bool:
    return bool(text) and raw.lstrip(" \t")[:1] != text[:1]


_CUT_AT = re.compile(r"[\s\"'`|]")
_CUT_LOOK_BACK = 8192


def _cut_point(joined: str, position: int, limit: int) -> int:
    """Where to cut a line longer than a block: after its last delimiter before `limit`.

    Cutting after a space or quote keeps every action name and ARN whole (a token cut in
    two would read as a shorter action, or a shorter resource, and be granted). Only a run
    of `_CUT_LOOK_BACK` characters with no delimiter at all, which holds no message, is cut
    where it stands.
    """
    start = max(position, limit - _CUT_LOOK_BACK)
    last = -1
    for match in _CUT_AT.finditer(joined, start, limit):
        last = match.end()
    return last if last > position else limit


class Normaliser:
    """Streams raw text into parseable text, one bounded block of lines at a time.

    Each block is cleaned with whole-block regular expressions; only the few lines that
    sit at a cut width (or end in a hyphen) are looked at one by one. The last line of a
    block is held back, since how it joins the next line is decided with the next block.
    """

    def __init__(self, block_chars: int = BLOCK_CHARS) -> None:
        self._block_chars = block_chars
        self._raw: list[str] = []
        self._size = 0
        self._carry: tuple[str, int, str, int | None] | None = None
        self._table = TableReader()

    def feed(self, text: str) -> str:
        """Take more raw text; return the parseable text of every finished block."""
        self._raw.append(text)
        self._size += len(text)
        if self._size < self._block_chars:
            return ""
        joined, position, out = "".join(self._raw), 0, []
        while len(joined) - position >= self._block_chars:
            limit = position + self._block_chars
            end = joined.rfind("\n", position, limit) + 1
            if end <= position:  # a line longer than a block is cut (memory stays bounded)
                end = _cut_point(joined, position, limit)
            out.append(self._block(joined[position:end], final=False))
            position = end
        self._raw, self._size = [joined[position:]], len(joined) - position
        return "".join(out)

    def close(self) -> str:
        """The parseable text of whatever is still held."""
        joined, self._raw, self._size = "".join(self._raw), [], 0
        return self._block(joined, final=True)

    def _block(self, text: str, final: bool) -> str:
        if _GLUE in text or _EMPTY in text:
            text = text.replace(_GLUE, "").replace(_EMPTY, "")
        cleaned = _clean(text).replace("\r\n", "\n").replace("\r", "\n")
        raws = cleaned.split("\n")
        if text.endswith(("\n", "\r")):
            raws.pop()
        texts = _BLOCK_PREFIX.sub("\n", "\n" + "\n".join(raws))[1:].split("\n")
        texts = repair_arns("\n".join(t.rstrip(" \t|│").strip() for t in texts)).split("\n")
        widths = [len(raw) for raw in raws]
        cuts: list[int | None] | None = None
        if self._table.active or "ResourceStatusReason" in cleaned:
            cuts = self._cells(raws, texts, widths)
        if self._carry is not None:
            text0, width0, raw0, cut0 = self._carry
            texts.insert(0, text0)
            widths.insert(0, width0)
            raws.insert(0, raw0)
            if cuts is not None or cut0 is not None:
                cuts = [cut0, *(cuts or [None] * (len(texts) - 1))]
        if not texts:
            return ""
        self._glue(texts, widths, raws, cuts)
        if final:
            self._carry = None
            keep = 0
        else:
            self._carry = (texts[-1], widths[-1], raws[-1], cuts[-1] if cuts else None)
            keep = len(texts[-1])
        out = "\n".join(t or _EMPTY for t in texts)
        out = out[: len(out) - keep] if keep else out
        if not final and not texts[-1]:
            out = out[: len(out) - 1]
        out = out.replace(_GLUE + "\n", "").replace(_GLUE, "")
        if _EMPTY in out:
            out = out.replace(_EMPTY + "\n", _EMPTY).replace("\n" + _EMPTY, _EMPTY)
            while _EMPTY + _EMPTY in out:
                out = out.replace(_EMPTY + _EMPTY, _EMPTY)
        return out.replace("\n", " ").replace(_EMPTY, "\n")

    def _cells(self, raws: list[str], texts: list[str], widths: list[int]) -> list[int | None]:
        cuts: list[int | None] = []
        for index, raw in enumerate(raws):
            cell = self._table.read(raw)
            if cell is None:
                cuts.append(None)
                continue
            texts[index], widths[index], cut = repair_arns(cell[0]), cell[1], cell[2]
            raws[index] = cell[0]
            cuts.append(cut)
        return cuts

    @staticmethod
    def _glue(
        texts: list[str], widths: list[int], raws: list[str], cuts: list[int | None] | None
    ) -> None:
        """Mark (with `_GLUE`) each line that joins the next without a space."""
        counts = Counter(w for i, w in enumerate(widths) if w >= 40 and not (cuts and cuts[i]))
        wrap = wrap_widths_from(counts)
        last = len(texts) - 1
        candidates = {i for i, w in enumerate(widths) if w in wrap and i < last}
        if cuts:
            candidates.update(i for i, cut in enumerate(cuts) if cut and i < last)
        if "-\n" in "\n".join(texts):
            candidates.update(i for i, t in enumerate(texts) if t.endswith("-") and i < last)
        for index in sorted(candidates):
            text, following = texts[index], texts[index + 1]
            if not text or not following:
                continue
            if text[-1] == "-" and following[0].isalnum():
                texts[index] = text + _GLUE
                continue
            cut = cuts[index] if cuts else None
            if (cut or widths[index]) != widths[index] or (
                cut is None and widths[index] not in wrap
            ):
                continue
            raw, next_raw = raws[index], raws[index + 1]
            if raw == next_raw:  # a repeated line is a repeated message, not a wrap
                continue
            table = cut is not None
            if not table and (raw[-1:].isspace() or next_raw[:1].isspace()):
                continue
            if not table and _prefixed(next_raw, following):
                continue
            if table:
                verdict = cell_join(_glued_head(texts, index), following)
                if verdict is not None:
                    if verdict:
                        texts[index] = text + _GLUE
                    continue
            if joins_token(text, following):
                texts[index] = text + _GLUE


def _glued_head(texts: list[str], index: int) -> str:
    """The last token of line `index` together with the lines already glued before it."""
    parts = [texts[index]]
    while index > 0 and texts[index - 1].endswith(_GLUE) and " " not in parts[0]:
        index -= 1
        parts.insert(0, texts[index][: -len(_GLUE)])
    return "".join(parts).rsplit(" ", 1)[-1]


def normalise(text: str) -> str:
    """One parseable string: paragraphs on their own lines, wrapped lines joined."""
    normaliser = Normaliser()
    return squeeze_spaces(normaliser.feed(text) + normaliser.close())


def squeeze_spaces(text: str) -> str:
    """Collapse runs of blanks to one space (the last step of `normalise`)."""
    for blank in _BLANKS:  # str.replace: str.translate is slow on non-ASCII text
        if blank in text:
            text = text.replace(blank, " ")
    return _SPACES.sub(" ", text)

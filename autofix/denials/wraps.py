"""Where a terminal or a table cut a token in two: the wrap widths of a text, and the
evidence that a line at such a width goes on in the next (see `autofix.denials.normalise`).
"""

from __future__ import annotations

import re
from collections import Counter

from autofix.denials.actions import parse_action
from autofix.denials.operations import operation_known

__all__ = ["WRAP_WIDTHS", "cell_join", "joins_token", "wrap_widths_from"]

_CONTINUES_TOKEN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789/:._-*=@,)]}>")
_OPENS_TOKEN = frozenset(":/-_=@<[{(")
WRAP_WIDTHS = frozenset({80, 120})


def wrap_widths_from(counts: Counter[int]) -> set[int]:
    """Widths at which this text was cut by a terminal rather than wrapped at words.

    `counts` holds how many lines (40 columns or wider) have each width. A terminal cut
    leaves most long lines exactly at the width; word wrapping leaves them a little short
    of it. A width counts when lines of exactly that width are at least as many as lines
    up to 15 columns shorter.
    """
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
    if ("/" in tail or ":" in tail.rstrip(":")) and ("/" in head or ":" in head):
        return True  # (a word ending in `:` is a label, `User:`, not a path going on)
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


def _spoils_action(before: str, after: str) -> bool:
    """Whether `before` ends with a whole known action that the join would spoil (a word
    that exactly fills a table cell, `dynamodb:DescribeTable` + `on resource:`)."""
    head = before.rsplit(" ", 1)[-1]
    alone = parse_action(head)
    if alone is None or not alone.known:
        return False
    joined = parse_action(head + after.split(" ", 1)[0])
    return joined is None or not joined.known


def joins_token(before: str, after: str) -> bool:
    """Whether a line cut at a wrap width joins the next without a space: the next line
    continues a token (lower case, a digit or token punctuation), or `before` ends on a
    token opener, or the join finishes an ARN, a quote, a path or a known name
    (`_completes_token`), and it spoils no whole action `before` ends with.
    """
    if _spoils_action(before, after):
        return False
    return (
        after[0] in _CONTINUES_TOKEN
        or before[-1] in _OPENS_TOKEN
        or _completes_token(before, after)
    )


_AFTER_RESOURCE = re.compile(r"^(?:because|with)\b")


def cell_join(head: str, following: str) -> bool | None:
    """Whether a full table cell line inside an ARN joins the next (None: not an ARN).

    A word longer than the cell is cut at the cell's width, so an ARN goes on, whatever
    its next letter's case (`...-demo-Hello` + `FunctionRole-`), unless the ARN ended
    exactly at the width and the message's next word follows (`because`, `with`).
    """
    if not head.startswith("arn:") or head.count(":") < 5 or not following[:1].isalnum():
        return None
    return _AFTER_RESOURCE.match(following) is None

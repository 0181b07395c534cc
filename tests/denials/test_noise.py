"""The corpus again, each positive case disguised the way real logs disguise messages."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable

import pytest

from autofix.denials.parse import parse_denials
from tests.denials.corpus import load_cases, score

POSITIVE = [c for c in load_cases() if c.expected]


def hard_wrap(width: int) -> Callable[[str], str]:
    """A terminal that cuts every line at `width` columns, mid-word."""

    def wrap(text: str) -> str:
        out: list[str] = []
        for line in text.split("\n"):
            while len(line) > width:
                out.append(line[:width])
                line = line[width:]
            out.append(line)
        return "\n".join(out)

    return wrap


def word_wrap(width: int) -> Callable[[str], str]:
    def wrap(text: str) -> str:
        return "\n".join(
            "\n".join(textwrap.wrap(line, width)) if line.strip() else line
            for line in text.split("\n")
        )

    return wrap


def colour(text: str) -> str:
    return " ".join(f"\x1b[3{i % 7}m{w}\x1b[0m" for i, w in enumerate(text.split(" ")))


def json_escaped(text: str) -> str:
    return json.dumps({"level": "error", "message": text})


def log_prefixed(text: str) -> str:
    return "\n".join(
        f"2024-05-01T10:00:0{i % 10}.123Z [ERROR] {line}" for i, line in enumerate(text.split("\n"))
    )


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.split("\n"))


def xml_body(text: str) -> str:
    escaped = (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
    return (
        f'<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>{escaped}</Message></Error>'
    )


NOISE: dict[str, Callable[[str], str]] = {
    "hard-wrap-80": hard_wrap(80),
    "hard-wrap-120": hard_wrap(120),
    "word-wrap-80": word_wrap(80),
    "word-wrap-120": word_wrap(120),
    "ansi": colour,
    "json": json_escaped,
    "log-prefix": log_prefixed,
    "markdown-quote": quoted,
    "xml": xml_body,
}


@pytest.mark.parametrize("noise", NOISE)
def test_actions_survive_noise(noise: str) -> None:
    transform = NOISE[noise]
    tp = fp = fn = 0
    failures: list[str] = []
    for case in POSITIVE:
        result = score(case.expected, parse_denials(transform(case.text)))
        tp, fp, fn = (
            tp + result.true_positive,
            fp + result.false_positive,
            fn + result.false_negative,
        )
        if result.false_positive or result.false_negative:
            failures.append(case.id)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    assert precision >= 0.97 and recall >= 0.97, (precision, recall, failures)


def test_several_denials_in_one_block_are_all_found() -> None:
    block = "\n\n".join(c.text for c in POSITIVE if c.expected[0]["action"])
    found = {d.action for d in parse_denials(block)}
    wanted = {e["action"] for c in POSITIVE for e in c.expected if e["action"]}
    assert len(wanted - found) <= len(wanted) * 0.03, wanted - found

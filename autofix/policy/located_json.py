"""JSON parsed with the line of every value, so errors can say where they are."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_WS = re.compile(r"[ \t\n\r]*")
_LITERALS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class Located:
    """A JSON value and the 1-based line it starts on; containers hold Located children."""

    value: Any
    line: int
    duplicate_keys: tuple[tuple[str, int], ...] = ()

    def plain(self) -> Any:
        """The value with all line information dropped (what json.loads would return)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def parse(text: str) -> Located:
    """Parse `text`; raises json.JSONDecodeError (with lineno) on malformed JSON."""
    parser = _Parser(text)
    value = parser.value(parser.skip(0))
    end = parser.skip(parser.pos)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self, pos: int) -> int:
        match = _WS.match(self.text, pos)
        assert match is not None
        return match.end()

    def line(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def value(self, pos: int) -> Located:
        text, line = self.text, self.line(pos)
        char = text[pos : pos + 1]
        if char == "{":
            return self.object(pos + 1, line)
        if char == "[":
            return self.array(pos + 1, line)
        if char == '"':
            string, self.pos = scanstring(text, pos + 1)
            return Located(string, line)
        for word, literal in _LITERALS.items():
            if text.startswith(word, pos):
                self.pos = pos + len(word)
                return Located(literal, line)
        number = _NUMBER.match(text, pos)
        if number:
            self.pos = number.end()
            raw = number.group()
            return Located(float(raw) if any(c in raw for c in ".eE") else int(raw), line)
        raise json.JSONDecodeError("Expecting value", text, pos)

    def object(self, pos: int, line: int) -> Located:
        text, members, duplicates = self.text, dict[str, Located](), []
        pos = self.skip(pos)
        if text[pos : pos + 1] == "}":
            self.pos = pos + 1
            return Located(members, line)
        while True:
            if text[pos : pos + 1] != '"':
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, pos
                )
            key_line = self.line(pos)
            key, pos = scanstring(text, pos + 1)
            pos = self.skip(pos)
            if text[pos : pos + 1] != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
            item = self.value(self.skip(pos + 1))
            if key in members:
                duplicates.append((key, key_line))
            members[key] = item
            pos = self.skip(self.pos)
            char = text[pos : pos + 1]
            if char == "}":
                self.pos = pos + 1
                return Located(members, line, tuple(duplicates))
            if char != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = self.skip(pos + 1)

    def array(self, pos: int, line: int) -> Located:
        text, items = self.text, list[Located]()
        pos = self.skip(pos)
        if text[pos : pos + 1] == "]":
            self.pos = pos + 1
            return Located(items, line)
        while True:
            items.append(self.value(pos))
            pos = self.skip(self.pos)
            char = text[pos : pos + 1]
            if char == "]":
                self.pos = pos + 1
                return Located(items, line)
            if char != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = self.skip(pos + 1)

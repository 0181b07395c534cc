"""A deploy tool's command inside a step's shell line: its words, verb and options."""

from __future__ import annotations

import shlex
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

SHELL_OPERATORS = frozenset({"&&", "||", ";", "|", "&"})


@dataclass(frozen=True)
class ToolCommand:
    """`words[tool_at]` is the tool's executable, `words[verb_at]` its verb."""

    words: tuple[str, ...]
    tool_at: int
    verb_at: int
    lead: str = ""
    """The shell line's text before this command, verbatim (`export X=${Y}; `): a command
    derived from this one keeps it, unquoted, so its assignments still expand."""

    @property
    def executable(self) -> str:
        return self.words[self.tool_at]

    @property
    def verb(self) -> str:
        return self.words[self.verb_at]

    @property
    def prefix(self) -> tuple[str, ...]:
        """What stands before the tool (`VAR=value` assignments, `npx`)."""
        return self.words[: self.tool_at]

    @property
    def rest(self) -> tuple[str, ...]:
        """The words after the verb, up to a shell operator."""
        tail = self.words[self.verb_at + 1 :]
        end = next((i for i, w in enumerate(tail) if w in SHELL_OPERATORS), len(tail))
        return tail[:end]

    def values(self, *names: str) -> list[str] | None:
        """The values of the last of the options `names` (`--x v w`, `--x=v`), None: absent."""
        found: list[str] | None = None
        rest = self.rest
        for i, word in enumerate(rest):
            name, eq, value = word.partition("=")
            if name not in names:
                continue
            if eq:
                found = [value]
                continue
            found = []
            for following in rest[i + 1 :]:
                if following.startswith("-"):
                    break
                found.append(following)
        return found

    def value(self, *names: str) -> str | None:
        """The first value of the last of the options `names`."""
        values = self.values(*names)
        return values[0] if values else None

    def has(self, *names: str) -> bool:
        return any(w.partition("=")[0] in names for w in self.rest)


def find(
    run: str, tools: Collection[str], verbs: Collection[str], group: str = ""
) -> ToolCommand | None:
    """The first `<tool> [group] <verb>` in the shell line `run`, or None.

    `tools` are executable names (a path's last part is compared: `.venv/bin/sam`).
    """
    for lead, words in simple_commands(run):
        for i, word in enumerate(words):
            if Path(word).name not in tools:
                continue
            at = i + 1
            if group:
                if at >= len(words) or words[at] != group:
                    continue
                at += 1
            if at < len(words) and words[at] in verbs:
                return ToolCommand(words, i, at, lead)
    return None


def simple_commands(run: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each command of the shell line `run` between operators (`;`, `&&`, `||`, `|`, `&`,
    newlines; not inside quotes, `$(...)` or `${...}`): the text before it, verbatim, and
    its words. A line that does not split into words yields nothing from there on."""
    start = 0
    for end in [*_operator_ends(run), len(run)]:
        segment = run[start:end].rstrip(";&|\n")
        try:
            words = tuple(shlex.split(segment))
        except ValueError:
            return
        yield run[: end - len(run[start:end].lstrip())], words
        start = end


def _operator_ends(run: str) -> Iterator[int]:
    """Where each top-level shell operator of `run` ends."""
    quote = ""
    depth = 0
    i = 0
    while i < len(run):
        char = run[i]
        if char == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "$" and run[i + 1 : i + 2] in ("(", "{"):
            depth += 1
            i += 1
        elif char in ")}" and depth:
            depth -= 1
        elif not depth and (char in ";\n" or _is_pipe_or_and(run, i)):
            doubled = run[i + 1 : i + 2] == char and char in "&|"
            i += 2 if doubled else 1
            yield i
            continue
        i += 1


def _is_pipe_or_and(run: str, i: int) -> bool:
    """`run[i]` is `|` or `&` as an operator, not a redirection's (`2>&1`, `&>`, `>|`)."""
    return run[i] in "&|" and run[i - 1 : i] not in ("<", ">") and run[i + 1 : i + 2] != ">"

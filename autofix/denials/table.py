"""CloudFormation events printed as a table (SAM CLI, `aws cloudformation deploy`).

The last column, `ResourceStatusReason`, is word-wrapped inside a fixed width, and a word
longer than the width (an ARN) is cut to fill it. Continuation lines are blank up to the
column. `TableReader` turns each table line into that column's cell piece, with the
column width, so the normaliser can join the pieces back into one message.
"""

from __future__ import annotations

_HEADER = "ResourceStatusReason"
_LEAD = ",|"


def _body(line: str) -> str:
    """The line without the one-character margin some tools prepend (`,` or `|`)."""
    return line[1:] if line[:1] and line[0] in _LEAD else line


class TableReader:
    """Tracks one table at a time: its reason column, its width, whether rows began."""

    def __init__(self) -> None:
        self._column: int | None = None
        self._width: int | None = None
        self._rows = 0

    @property
    def active(self) -> bool:
        """Whether a table header was seen and the table has not ended."""
        return self._column is not None

    def read(self, line: str) -> tuple[str, int, int | None] | None:
        """(cell text, its width, the column width) for a table line; None otherwise."""
        body = _body(line)
        if self._column is None:
            if _HEADER in body and "LogicalResourceId" in body:
                self._column, self._width, self._rows = body.index(_HEADER), None, 0
                return ("", 0, None)
            return None
        column = self._column
        stripped = body.strip()
        if not stripped:
            self._column = None
            return None
        if set(stripped) == {"-"}:
            if self._rows:
                self._column = None
            else:
                self._width = len(stripped) - column if len(stripped) > column else None
            return ("", 0, None)
        indent = len(body) - len(body.lstrip(" "))
        if indent >= column - 2:
            self._rows += 1
            return (stripped, len(stripped), self._width)
        if len(body) > column and body[column - 1] == " " and "  " in body[:column]:
            self._rows += 1
            cell = body[column:].strip()
            return (f"{body[:column].strip()} {cell}", len(cell), self._width)
        self._column = None
        return None

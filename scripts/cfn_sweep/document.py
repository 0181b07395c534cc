"""The sweep's JSON document: rows kept across sittings, each with the commit it was
measured on, written atomically after every stack so a stopped sweep loses nothing.

    {"date", "commit", "seconds", "per_stack", "swept_of", "skipped", "sittings": [...],
     "types": [{"type", "converged", "verified", ..., "commit"}], "checks": [...]}

`commit` and `date` at the top are the newest sitting's; `seconds` sums every sitting's.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.cfn_sweep import table


class ResumeError(ValueError):
    """An earlier sweep's file cannot be read."""


def current_commit(repo: Path) -> str:
    """HEAD's short hash, `-dirty` when tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + ("-dirty" if head and dirty else "")


def good(row: dict[str, Any]) -> bool:
    return bool(row.get("converged") and row.get("verified"))


def read(path: Path) -> dict[str, Any]:
    """An earlier sweep: its document (a --json file), or its work directory's
    records.jsonl (a sweep stopped before writing one; rows without a commit are `unknown`)."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
            document: dict[str, Any] = {"types": rows, "sittings": []}
        else:
            document = json.loads(text)
        rows = document["types"]
        if not isinstance(rows, list) or not all(
            isinstance(r, dict) and isinstance(r.get("type"), str) for r in rows
        ):
            raise TypeError("`types` is not a list of records")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResumeError(f"cannot read a sweep from {path}: {exc}") from exc
    fallback = str(document.get("commit") or "unknown")
    for row in rows:
        row.setdefault("commit", fallback)
    if not document.get("sittings") and document.get("commit"):
        document["sittings"] = [_sitting_of(document)]
    return document


def _sitting_of(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": document.get("date"),
        "commit": document.get("commit"),
        "seconds": document.get("seconds", 0),
        "types": len(document.get("types") or []),
    }


@dataclass
class Sweep:
    """Rows kept from earlier sittings plus this sitting's, by type (a new row replaces)."""

    path: Path | None
    repo: Path
    targets: Sequence[str]
    per_stack: int
    swept_of: int
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    sittings: list[dict[str, Any]] = field(default_factory=list)
    commit: str = ""
    date: str = field(default_factory=lambda: datetime.date.today().isoformat())
    seconds: float = 0.0
    new: int = 0

    def __post_init__(self) -> None:
        self.commit = self.commit or current_commit(self.repo)

    def keep(self, earlier: Iterable[dict[str, Any]], redo_failed: bool) -> set[str]:
        """Keep an earlier sweep's rows (its failures too, unless `redo_failed`; never a
        row the harness itself broke on); the types dropped because they failed."""
        failed: set[str] = set()
        for document in earlier:
            self.sittings += document.get("sittings") or []
            for row in document["types"]:
                if row.get("stage") == "error":
                    continue
                if redo_failed and not good(row):
                    failed.add(row["type"])
                    continue
                self.rows[row["type"]] = row
                failed.discard(row["type"])
        return failed

    def todo(self) -> list[str]:
        return [t for t in self.targets if t not in self.rows]

    def add(self, found: Iterable[dict[str, Any]], seconds: float) -> None:
        for row in found:
            self.rows[row["type"]] = row | {"commit": self.commit}
            self.new += 1
        self.seconds = seconds
        self.write()

    def document(self) -> dict[str, Any]:
        order = {t: i for i, t in enumerate(self.targets)}
        ordered = sorted(self.rows, key=lambda t: (order.get(t, len(order)), t))
        rows = [self.rows[t] for t in ordered]
        now = {"date": self.date, "commit": self.commit, "seconds": round(self.seconds, 1)}
        sittings = [*self.sittings, now | {"types": self.new}]
        return {
            "date": self.date,
            "commit": self.commit,
            "seconds": round(sum(float(s.get("seconds") or 0) for s in sittings), 1),
            "per_stack": self.per_stack,
            "swept_of": self.swept_of,
            "skipped": sorted(t for t in self.targets if t not in self.rows),
            "sittings": sittings,
            "types": rows,
            "checks": [
                {"check": c, "met": ok, "measured": got} for c, ok, got in table.checks(rows)
            ],
        }

    def write(self) -> None:
        if self.path is not None:
            write_atomic(self.path, json.dumps(self.document(), indent=1) + "\n")


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 is not a document's mode
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

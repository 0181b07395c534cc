"""Is this output directory autofix's to write? A marker says so, and no link leads out of it.

autofix replaces `policy.json`, `summary.json` and the reports in its output directory. A
folder that is not one of its outputs (the user's own `policy.json` in it) is refused unless
`--force`; a directory autofix claims gets the marker `MARKER`. A symlink anywhere in it (a
planted `ledger.jsonl` pointing at a dotfile) is refused: autofix never writes through one.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from autofix.errors import ConfigError

__all__ = ["MARKER", "check_ours", "mark", "refuse_symlinks"]

MARKER = ".autofix-output"
_MARKER_TEXT = "This directory holds autofix's output; autofix may replace any file in it.\n"
_OWN_TRANSIENT = (".lock", ".probe-")
_LEDGERS = ("ledger.jsonl", "check-ledger.jsonl")


def refuse_symlinks(out_dir: Path) -> None:
    """ConfigError naming the first symlink inside `out_dir` (the directory itself may be one)."""
    for root, dirs, files in os.walk(out_dir):
        for name in sorted([*dirs, *files]):
            path = Path(root) / name
            if path.is_symlink():
                raise ConfigError(
                    f"--out {out_dir}: {path} is a symlink; autofix does not write through "
                    "links in its output directory (remove it, or choose another --out)"
                )


def check_ours(out_dir: Path, force: bool) -> None:
    """ConfigError unless `out_dir` is empty, autofix's (marker or ledger), or `force`."""
    if force or (out_dir / MARKER).is_file():
        return
    try:
        entries = sorted(p.name for p in out_dir.iterdir())
    except FileNotFoundError:
        return
    theirs = [name for name in entries if not name.startswith(_OWN_TRANSIENT)]
    if not theirs or any(_is_ledger(out_dir / name) for name in _LEDGERS):
        return
    shown = ", ".join(theirs[:3]) + (", ..." if len(theirs) > 3 else "")
    raise ConfigError(
        f"--out {out_dir}: not an autofix output directory (it holds {shown} and no {MARKER}); "
        "choose another --out, or pass --force to let autofix replace its files there"
    )


def mark(out_dir: Path) -> None:
    """Write the marker (without following a link; an existing marker is left as it is)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    with contextlib.suppress(FileExistsError):
        fd = os.open(out_dir / MARKER, flags, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_MARKER_TEXT)


def _is_ledger(path: Path) -> bool:
    """A ledger an earlier autofix wrote (before the marker existed): its first line says so."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8") as handle:
            first = json.loads(handle.readline(65536))
    except (OSError, ValueError):
        return False
    return isinstance(first, dict) and {"event", "run", "schema"} <= first.keys()

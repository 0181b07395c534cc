"""A JSON-lines record in the sandbox process that writes each key's line only once."""

from __future__ import annotations

import json
import threading
from collections.abc import Hashable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autofix.untrusted.files import open_no_follow


class OnceLog:
    """Appends `{"time": ..., **fields}` for the first record of each key; off until configured."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[Hashable] = set()
        self._path: Path | None = None

    def configure(self, path: Path | None) -> None:
        """Where to write (None: keep no record)."""
        self._path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, key: Hashable, fields: dict[str, Any]) -> None:
        if self._path is None:
            return
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
            line = {"time": datetime.now(UTC).isoformat(), **fields}
            with open_no_follow(self._path, append=True) as out:
                out.write(json.dumps(line, sort_keys=True) + "\n")

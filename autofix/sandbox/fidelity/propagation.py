"""Realism knob: IAM's eventual consistency.

On a real account a policy change is honoured only after a few seconds. With
`AUTOFIX_SANDBOX_PROPAGATION_DELAY=SECONDS` in the sandbox's environment, each
principal's policies are evaluated as they stood SECONDS ago: the sandbox keeps
every version it has seen, with the time it first saw it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

ENV = "AUTOFIX_SANDBOX_PROPAGATION_DELAY"
_lock = threading.Lock()
_history: dict[str, list[tuple[float, list[dict[str, Any]]]]] = {}


def delay() -> float:
    try:
        return max(0.0, float(os.environ.get(ENV, "0")))
    except ValueError:
        return 0.0


def effective(principal: str, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The policies in force for `principal`: the newest version older than the delay."""
    seconds = delay()
    if seconds <= 0:
        return documents
    now = time.monotonic()
    key = json.dumps(documents, sort_keys=True)
    with _lock:
        versions = _history.setdefault(principal, [])
        if not versions or json.dumps(versions[-1][1], sort_keys=True) != key:
            versions.append((now, documents))
        in_force = versions[0][1]
        for seen, docs in versions:
            if seen <= now - seconds:
                in_force = docs
        return in_force

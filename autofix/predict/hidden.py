"""Benchmark-only knobs: hide part of the predictor's knowledge (never the sandbox's).

`benchmarks/hidden_knowledge.py` measures what a run pays when the prediction made before
a step misses something. Two environment variables, read by the predictor only (they are
not part of autofix's configuration or command line):

- `AUTOFIX_PREDICT_HIDE_TYPES`: which resource types' demands are not granted ahead:
  `all`, a share (`30%` or `0.3`: the types whose SHA-256 digest falls in that share, the
  same types on every run and machine), or a comma-separated list of types.
- `AUTOFIX_PREDICT_HIDE_PROFILE`: `1` to leave the deploy tool's profile out.

A hidden type's demands are still known as a group once a denial shows one of them (the
price measured is the attempts until that denial, not the loss of the knowledge).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass

HIDE_TYPES = "AUTOFIX_PREDICT_HIDE_TYPES"
HIDE_PROFILE = "AUTOFIX_PREDICT_HIDE_PROFILE"


@dataclass(frozen=True)
class Hidden:
    """Which knowledge the predictor must not use ahead of a step."""

    share: float = 0.0
    """Types whose digest falls below this share of the digest space are hidden."""
    types: frozenset[str] = frozenset()
    profile: bool = False

    def hides(self, resource_type: str) -> bool:
        return resource_type in self.types or digest_share(resource_type) < self.share


def digest_share(resource_type: str) -> float:
    """Where `resource_type` falls in [0, 1): its SHA-256 digest's first 8 bytes."""
    digest = hashlib.sha256(resource_type.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def from_environment(env: Mapping[str, str] | None = None) -> Hidden:
    """The knobs' values; a value that cannot be read hides nothing."""
    env = os.environ if env is None else env
    spec = env.get(HIDE_TYPES, "").strip()
    profile = env.get(HIDE_PROFILE, "").strip().lower() in ("1", "true", "yes")
    if not spec:
        return Hidden(profile=profile)
    if spec.lower() == "all":
        return Hidden(share=1.0, profile=profile)
    try:
        share = float(spec[:-1]) / 100 if spec.endswith("%") else float(spec)
    except ValueError:
        types = frozenset(t.strip() for t in spec.split(",") if t.strip())
        return Hidden(types=types, profile=profile)
    return Hidden(share=min(1.0, max(0.0, share)), profile=profile)

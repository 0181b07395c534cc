"""`autofix` with part of the predictor's knowledge hidden, for `hidden_knowledge.py`.

    python benchmarks/hidden_autofix.py run --config FILE ...

runs autofix's command line as `python -m autofix` does, after hiding from the predictor
(never from the sandbox) what two environment variables say:

- `AUTOFIX_PREDICT_HIDE_TYPES`: which resource types' demands are not granted ahead:
  `all`, a share (`30%` or `0.3`: the types whose SHA-256 digest falls in that share, the
  same types on every run and machine), or a comma-separated list of types.
- `AUTOFIX_PREDICT_HIDE_PROFILE`: `1` to leave the deploy tool's profile out.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from functools import partial

from autofix.predict.hidden import Hidden, hide

HIDE_TYPES = "AUTOFIX_PREDICT_HIDE_TYPES"
HIDE_PROFILE = "AUTOFIX_PREDICT_HIDE_PROFILE"


def digest_share(resource_type: str) -> float:
    """Where `resource_type` falls in [0, 1): its SHA-256 digest's first 8 bytes."""
    digest = hashlib.sha256(resource_type.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _in(types: frozenset[str], share: float, resource_type: str) -> bool:
    return resource_type in types or digest_share(resource_type) < share


def from_environment(env: Mapping[str, str] | None = None) -> Hidden:
    """The knobs' values; a value that cannot be read hides nothing."""
    env = os.environ if env is None else env
    spec = env.get(HIDE_TYPES, "").strip()
    profile = env.get(HIDE_PROFILE, "").strip().lower() in ("1", "true", "yes")
    types: frozenset[str] = frozenset()
    share = 0.0
    if spec.lower() == "all":
        share = 1.0
    elif spec:
        try:
            share = float(spec[:-1]) / 100 if spec.endswith("%") else float(spec)
        except ValueError:
            types = frozenset(t.strip() for t in spec.split(",") if t.strip())
    return Hidden(types=partial(_in, types, min(1.0, max(0.0, share))), profile=profile)


if __name__ == "__main__":
    hide(from_environment())
    from autofix.cli import main

    main()

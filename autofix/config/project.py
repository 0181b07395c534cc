"""What the deploy steps reveal about the project: service names and stages.

Scoping keeps the service name literal in ARNs and turns the stage into a
wildcard when the steps deploy more than one stage.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from autofix.config import Step

_SERVICE_LINE = re.compile(r"^service:\s*(?:name:\s*)?['\"]?([A-Za-z0-9][\w-]*)", re.MULTILINE)
_STAGE_FLAGS = ("--stage", "-s")
SERVERLESS_FILES = ("serverless.yml", "serverless.yaml")


def stages_of(steps: Sequence[Step]) -> tuple[str, ...]:
    """Stages named on the steps' command lines (`--stage X`, `--stage=X`, `-s X`)."""
    found: list[str] = []
    for step in steps:
        try:
            words = shlex.split(step.run)
        except ValueError:
            words = step.run.split()
        for i, word in enumerate(words):
            if word.startswith("--stage="):
                found.append(word.split("=", 1)[1])
            elif word in _STAGE_FLAGS and i + 1 < len(words):
                found.append(words[i + 1])
    return tuple(dict.fromkeys(found))


def service_names_of(steps: Sequence[Step]) -> tuple[str, ...]:
    """Service names declared by a Serverless Framework file in a step's directory."""
    found: list[str] = []
    for step in steps:
        for name in SERVERLESS_FILES:
            path = Path(step.cwd) / name
            if path.is_file():
                match = _SERVICE_LINE.search(path.read_text(encoding="utf-8", errors="replace"))
                if match:
                    found.append(match.group(1))
    return tuple(dict.fromkeys(found))

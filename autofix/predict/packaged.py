"""What a step will deploy, known before it runs: one record per stack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autofix.config import Step
from autofix.step.runner import StepResult

Run = Callable[[Step], StepResult]
"""Runs a command as the step would (its directory, environment, PATH)."""


@dataclass(frozen=True)
class Packaged:
    """The template a step will deploy (or delete) and where.

    `verb` is the tool's own (`deploy`, `remove`, `delete`, `destroy`...), the key of its
    profile's commands; `removes` says the step deletes the stack. `role` is the ARN of the
    role CloudFormation acts as on the stack (CDK's execution role), None: the caller.
    """

    verb: str
    template: dict[str, Any]
    service: str
    stage: str
    region: str | None
    stack: str
    tool: str = "osls"
    removes: bool = False
    role: str | None = None

"""Denials printed by the step itself (stdout and stderr)."""

from __future__ import annotations

from autofix.denials.model import Denial
from autofix.denials.parse import parse_denials
from autofix.runner import StepResult


def from_output(result: StepResult) -> list[Denial]:
    """Every denial in the step's output, tagged with the `output` channel."""
    return [d.with_source("output") for d in parse_denials(result.output)]

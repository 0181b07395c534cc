"""What the predictor must not grant ahead: a hook for measuring what missing knowledge costs.

Nothing is hidden in a user's run. `benchmarks/hidden_knowledge.py` hides part of the
predictor's knowledge (never the sandbox's) through `benchmarks/hidden_autofix.py`, which
calls `hide` before autofix's command line runs. A hidden type's demands are still known
as a group once a denial shows one of them (the price measured is the attempts until that
denial, not the loss of the knowledge).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Hidden", "current", "hide"]


def _none(resource_type: str) -> bool:
    return False


@dataclass(frozen=True)
class Hidden:
    """Which knowledge the predictor must not use ahead of a step."""

    types: Callable[[str], bool] = _none
    """Whether a resource type's demands are left out of the prediction from a template."""
    profile: bool = False
    """Leave the deploy tool's profile out."""

    def hides(self, resource_type: str) -> bool:
        return self.types(resource_type)


_hidden = Hidden()


def hide(hidden: Hidden) -> None:
    """Hide `hidden` from every predictor made from now on in this process."""
    global _hidden
    _hidden = hidden


def current() -> Hidden:
    """What is hidden now (nothing, unless `hide` was called)."""
    return _hidden

"""A request evaluated on `*`: granted on `*`, except the actions autofix keeps off `*`.

A denial `on resource: *` (the sandbox's, the account's, a step's output) is met only by a
grant on `*`; a pattern scoped from the resources seen in the step never matches it.
"""

from __future__ import annotations

from functools import cache

from autofix import data
from autofix.denials.model import Denial
from autofix.policy.escalation import is_data_access, is_escalation

ON_STAR_NOTE = "denied on *: the request was evaluated on *, which no narrower grant covers"


@cache
def _never_on_star() -> tuple[str, ...]:
    entries = data.load("curated", "never_on_star.json")["actions"]
    return tuple(str(e["action"]).lower() for e in entries)


def kept_off_star(action: str) -> bool:
    """Whether `action` is never granted on `*`, whatever the request was evaluated on: an
    escalation or data-access action, or one of autofix/data/curated/never_on_star.json."""
    return (
        is_escalation(action)
        or is_data_access(action)
        or action.lower().startswith(_never_on_star())
    )


def evaluated_on_star(denial: Denial) -> bool:
    """Whether the request was evaluated on `*` (`on resource: *`), as observed (the sandbox,
    the account, a step's output), for an action autofix grants on `*`: only a grant on `*`
    can allow it; a pattern scoped from the resources seen never matches `*` and the step
    would be denied again. A prediction on `*` is not: the predictor writes `*` for what
    the template cannot tell yet. An action kept off `*` (`kept_off_star`) is scoped as
    before, and its denial stops the run as one no grant can meet (loop/unmeetable.py)."""
    return (
        denial.resource == "*"
        and not denial.source.startswith("predicted")
        and not kept_off_star(denial.action or "")
    )

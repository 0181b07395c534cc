"""The operator's rehearsal switch on the embedded sandbox.

Around each attempt of a rehearsal step (`<step> (update)`), the operator tells the
embedded sandbox that a rehearsal runs (`POST /_autofix/rehearsal`), so its stack
updates treat every mutable property as changed (autofix/sandbox/fidelity/rehearsal.py).
On a real account there is nothing to switch: the forced redeploy is the rehearsal.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from autofix.config import Step
from autofix.errors import AutofixError

StepHook = Callable[[Step], AbstractContextManager[None]]
"""Wraps the run of one step's command (one attempt)."""
PATH = "/_autofix/rehearsal"
_REFUSED = "the embedded sandbox did not take the rehearsal switch"


def rehearsal_switch(sandbox_endpoint: str | None) -> StepHook:
    """A hook that switches the embedded sandbox's rehearsal on for a rehearsal step's run.

    `sandbox_endpoint` is None on a real account: the hook then does nothing.
    """

    @contextmanager
    def around(step: Step) -> Iterator[None]:
        if sandbox_endpoint is None or not step.rehearsal:
            yield
            return
        _switch(sandbox_endpoint, True)
        try:
            yield
        finally:
            _switch(sandbox_endpoint, False)

    return around


def _switch(endpoint: str, active: bool) -> None:
    request = urllib.request.Request(
        endpoint.rstrip("/") + PATH,
        data=json.dumps({"active": active}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise AutofixError(f"{_REFUSED}: {exc}") from None
    if answer.get("active") is not active:
        raise AutofixError(f"{_REFUSED}: {answer}")

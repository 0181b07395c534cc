"""The operator's rehearsal switch on the embedded sandbox.

Around each attempt of a rehearsal step (`<step> (update)`), the operator tells the
embedded sandbox that a rehearsal runs (`POST /_autofix/rehearsal`). The sandbox records
it; its stack updates change what the change set changes either way, as AWS does
(autofix/sandbox/fidelity/rehearsal.py). On a real account there is nothing to switch:
the forced redeploy is the rehearsal.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from autofix.config import Step
from autofix.errors import AutofixError

if TYPE_CHECKING:
    from autofix.step.executor import Execution

PATH = "/_autofix/rehearsal"
_REFUSED = "the embedded sandbox did not take the rehearsal switch"


class RehearsalSwitch:
    """A step hook (`executor.StepHook`): the sandbox's rehearsal is on while one runs.

    `sandbox_endpoint` is None on a real account: the hook then does nothing.
    """

    def __init__(self, sandbox_endpoint: str | None) -> None:
        self.endpoint = sandbox_endpoint
        self._on = False

    def before(self, step: Step, attempt: int) -> None:
        if self.endpoint is not None and step.rehearsal:
            _switch(self.endpoint, True)
            self._on = True

    def after(self, execution: Execution) -> None:
        if self._on and self.endpoint is not None:
            self._on = False
            _switch(self.endpoint, False)


def rehearsal_switch(
    sandbox_endpoint: str | None,
) -> Callable[[Step], AbstractContextManager[None]]:
    """The switch as a context manager around one run of `step` (for direct use)."""

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

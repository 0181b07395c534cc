"""A stack autofix's own recovery could not delete is deleted again before the next attempt.

Deleting a rolled-back stack that has a service role (CDK's execution role, passed as
RoleARN) acts as that role, so the delete can fail (DELETE_FAILED) on a permission the
role lacks; the denial is harvested and granted after the attempt, and only then can the
stack go. Left as it is, the step's next attempt would meet a stack it cannot deploy over.
"""

from __future__ import annotations

from typing import Any

from tenacity import Retrying, retry_if_result, stop_after_delay, wait_exponential

from autofix.account.stacks import SERVICE_ERRORS, service_error_line
from autofix.config import Step
from autofix.records.events import StackRecovered
from autofix.records.ledger import Events
from autofix.step.executor import Execution

AGAIN = "deleted again"


class DeleteRetry:
    """A step hook: before an attempt, deletes again what the last recovery left DELETE_FAILED."""

    def __init__(self, cfn: Any, events: Events, timeout: float = 600) -> None:
        self.cfn = cfn
        self.events = events
        self.timeout = timeout
        self.pending: set[str] = set()
        """Stacks a recovery's own delete left DELETE_FAILED, until they are gone."""

    def after(self, execution: Execution) -> None:
        for r in execution.recoveries:
            if r.action in ("deleted", AGAIN) and r.detail == "now DELETE_FAILED":
                self.pending.add(r.stack)

    def before(self, step: Step, attempt: int) -> None:
        for name in sorted(self.pending):
            try:
                if self._status(name) != "DELETE_FAILED":
                    self.pending.discard(name)
                    continue
                self.cfn.delete_stack(StackName=name)
                now = self._settled(name)
                detail = f"now {now}"
            except SERVICE_ERRORS as exc:
                now, detail = "", service_error_line(exc)
            if now != "DELETE_FAILED":
                self.pending.discard(name)  # gone, or not ours to retry any more
            self.events.emit(
                StackRecovered(
                    step=step.name,
                    attempt=attempt,
                    stack=name,
                    status="DELETE_FAILED",
                    action=AGAIN,
                    detail=detail,
                )
            )

    def _status(self, name: str) -> str:
        try:
            stacks = self.cfn.describe_stacks(StackName=name)["Stacks"]
        except SERVICE_ERRORS as exc:
            if "does not exist" in str(exc):
                return "DELETE_COMPLETE"
            raise
        return str(stacks[0]["StackStatus"]) if stacks else "DELETE_COMPLETE"

    def _settled(self, name: str) -> str:
        retrying = Retrying(
            retry=retry_if_result(lambda status: str(status).endswith("_IN_PROGRESS")),
            wait=wait_exponential(multiplier=0.25, max=5),
            stop=stop_after_delay(self.timeout),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else "",
        )
        return str(retrying(self._status, name))

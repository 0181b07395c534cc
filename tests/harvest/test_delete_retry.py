"""A stack the recovery's own delete left DELETE_FAILED (its service role lacked a permission,
granted since) is deleted again before the next attempt, until it is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autofix.account.stacks import Recovery
from autofix.config import Step
from autofix.records.events import LedgerEvent, StackRecovered
from autofix.records.ledger import Events
from autofix.step.executor import Execution
from autofix.step.hooks.delete_retry import AGAIN, DeleteRetry
from autofix.step.runner import StepResult


class FakeCfn:
    """Each delete_stack call ends in the next status of `outcomes`."""

    def __init__(self, outcomes: list[str]) -> None:
        self.outcomes = outcomes
        self.status = "DELETE_FAILED"
        self.deletes = 0

    def delete_stack(self, StackName: str) -> None:
        self.deletes += 1
        self.status = self.outcomes.pop(0)

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [{"StackStatus": self.status}]}


def _failed_attempt(tmp_path: Path, *recoveries: Recovery) -> Execution:
    step = Step("deploy", "cdk deploy", tmp_path)
    return Execution(step, 1, StepResult(1, "", "", 0.1), 0.0, (), recoveries)


def test_the_stack_is_deleted_again_until_it_is_gone(tmp_path: Path) -> None:
    seen: list[LedgerEvent] = []
    cfn = FakeCfn(["DELETE_FAILED", "DELETE_COMPLETE"])
    retry = DeleteRetry(cfn, Events(seen.append))
    step = Step("deploy", "cdk deploy", tmp_path)
    left = Recovery("app-dev", "ROLLBACK_COMPLETE", "deleted", "now DELETE_FAILED")
    retry.after(_failed_attempt(tmp_path, left))
    retry.before(step, 2)  # the role still lacks something: still DELETE_FAILED
    retry.after(_failed_attempt(tmp_path))  # reported, not deleted: still ours to retry
    retry.before(step, 3)
    retry.before(step, 4)  # gone: nothing more
    assert cfn.deletes == 2
    assert [(e.action, e.detail) for e in seen if isinstance(e, StackRecovered)] == [
        (AGAIN, "now DELETE_FAILED"),
        (AGAIN, "now DELETE_COMPLETE"),
    ]


def test_a_delete_the_step_made_itself_is_not_retried(tmp_path: Path) -> None:
    cfn = FakeCfn(["DELETE_COMPLETE"])
    retry = DeleteRetry(cfn, Events())
    reported = Recovery("app-dev", "DELETE_FAILED", "reported", "Queue (denied)")
    retry.after(_failed_attempt(tmp_path, reported))
    retry.before(Step("destroy", "cdk destroy", tmp_path), 2)
    assert cfn.deletes == 0

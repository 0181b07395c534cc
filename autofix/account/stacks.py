"""CloudFormation stacks a step touched, and making them usable for the next attempt.

Only stacks created or updated during the attempt are ever touched, always by
the operator, and every action is reported to the caller for the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_exponential

DELETE_TO_RETRY = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "REVIEW_IN_PROGRESS")
CLOCK_SKEW = timedelta(seconds=5)
SERVICE_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError, ResponseParserError)
"""What a CloudFormation call can raise when the service (or the sandbox) fails it."""
NOT_RECOVERED = "not recovered"


@dataclass(frozen=True)
class StackRef:
    name: str
    stack_id: str
    status: str
    changed: datetime
    created: datetime | None = None
    parent: str | None = None
    """The parent stack's id, for a nested stack (recovered through its root)."""

    def created_since(self, since: datetime) -> bool:
        return self.created is not None and self.created >= since - CLOCK_SKEW


@dataclass(frozen=True)
class Recovery:
    """What was done to a stack between attempts."""

    stack: str
    status: str
    action: str
    detail: str = ""


def stacks_touched(cfn: Any, since: datetime, names: tuple[str, ...] = ()) -> list[StackRef]:
    """Stacks created, updated or deleted at or after `since`, plus any named ones."""
    touched: list[StackRef] = []
    for page in cfn.get_paginator("list_stacks").paginate():
        for summary in page["StackSummaries"]:
            changed = max(
                summary[key]
                for key in ("CreationTime", "LastUpdatedTime", "DeletionTime")
                if key in summary
            )
            if summary["StackStatus"] == "DELETE_COMPLETE" and summary["StackName"] not in names:
                continue
            if changed >= since - CLOCK_SKEW or summary["StackName"] in names:
                touched.append(
                    StackRef(
                        summary["StackName"],
                        summary["StackId"],
                        summary["StackStatus"],
                        changed,
                        summary.get("CreationTime"),
                        summary.get("ParentId"),
                    )
                )
    return touched


def service_error_line(exc: Exception) -> str:
    """The first line of a service error, short enough for one ledger or console line."""
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 200 else line[:199] + "…"


def recover_touched(
    cfn: Any, since: datetime, names: tuple[str, ...] = (), timeout: float = 600
) -> list[Recovery]:
    """Recover every stack touched since `since`; a service error is reported, not raised.

    A stack whose recovery fails gets a `not recovered` Recovery naming the error, and the
    others are still recovered; a failed listing gives one such Recovery for all.
    """
    try:
        touched = stacks_touched(cfn, since, names)
    except SERVICE_ERRORS as exc:
        return [Recovery("(stacks)", "", NOT_RECOVERED, f"ListStacks: {service_error_line(exc)}")]
    done: list[Recovery] = []
    for stack in touched:
        try:
            recovery = recover(cfn, stack, since, timeout)
        except SERVICE_ERRORS as exc:
            recovery = Recovery(stack.name, stack.status, NOT_RECOVERED, service_error_line(exc))
        if recovery is not None:
            done.append(recovery)
    return done


def recover(cfn: Any, stack: StackRef, since: datetime, timeout: float = 600) -> Recovery | None:
    """Leave `stack` in a state the next attempt can deploy over; None when it already is.

    A stack in ROLLBACK_COMPLETE, ROLLBACK_FAILED or REVIEW_IN_PROGRESS is deleted
    only when it was created at or after `since` (by the attempt); an older one is
    someone else's and is left as it is. A nested stack is left to its root.
    """
    if stack.parent:
        return None
    status = _wait_settled(cfn, stack, timeout)
    if status in DELETE_TO_RETRY and not stack.created_since(since):
        return Recovery(
            stack.name, status, "left alone", "created before the attempt: not this step's stack"
        )
    if status in DELETE_TO_RETRY:
        cfn.delete_stack(StackName=stack.stack_id)
        final = _wait_settled(cfn, stack, timeout)
        return Recovery(stack.name, status, "deleted", f"now {final}")
    if status == "UPDATE_ROLLBACK_FAILED":
        cfn.continue_update_rollback(StackName=stack.stack_id)
        final = _wait_settled(cfn, stack, timeout)
        return Recovery(stack.name, status, "continued rollback", f"now {final}")
    if status == "DELETE_FAILED":
        resources = _failed_resources(cfn, stack)
        return Recovery(stack.name, status, "reported", ", ".join(resources))
    if status != stack.status:
        return Recovery(stack.name, stack.status, "waited", f"now {status}")
    return None


def _status(cfn: Any, stack: StackRef) -> str:
    try:
        found = cfn.describe_stacks(StackName=stack.stack_id)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return "DELETE_COMPLETE"
        raise
    return str(found[0]["StackStatus"]) if found else "DELETE_COMPLETE"


def _busy(status: str) -> bool:
    return status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS"


def _wait_settled(cfn: Any, stack: StackRef, timeout: float) -> str:
    """Poll until the stack is not `*_IN_PROGRESS` (REVIEW_IN_PROGRESS is settled)."""
    retrying = Retrying(
        retry=retry_if_result(_busy),
        wait=wait_exponential(multiplier=0.25, max=10),
        stop=stop_after_delay(timeout),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else "",
    )
    return str(retrying(_status, cfn, stack))


def _failed_resources(cfn: Any, stack: StackRef) -> list[str]:
    """`Logical (reason)` for each resource whose delete failed in the last delete."""
    reasons: dict[str, str] = {}
    for event in cfn.describe_stack_events(StackName=stack.stack_id)["StackEvents"]:  # newest first
        logical = event.get("LogicalResourceId", "")
        if event.get("ResourceType") == "AWS::CloudFormation::Stack" and logical == stack.name:
            if event.get("ResourceStatus") == "DELETE_IN_PROGRESS":
                break  # the start of the last delete
            continue
        if event.get("ResourceStatus") == "DELETE_FAILED":
            reasons.setdefault(logical, event.get("ResourceStatusReason") or "")
    if not reasons:
        resources = cfn.describe_stack_resources(StackName=stack.stack_id)["StackResources"]
        reasons = {
            r["LogicalResourceId"]: r.get("ResourceStatusReason", "")
            for r in resources
            if r["ResourceStatus"] == "DELETE_FAILED"
        }
    return [f"{logical} ({reason})" for logical, reason in reasons.items()]

"""Describing a stack whose delete failed part-way re-creates none of its deleted resources."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

TEMPLATE = {
    "Resources": {
        "Kept": {"Type": "AWS::SNS::Topic"},  # its delete is denied
        "Gone": {"Type": "AWS::SQS::Queue", "DependsOn": "Kept"},  # deleted first
    },
    "Outputs": {"GoneArn": {"Value": {"Fn::GetAtt": ["Gone", "Arn"]}}},
}


def _status(cfn: Any, name: str) -> str:
    """The stack's status, read without DescribeStacks (which would evaluate its Outputs)."""
    for _ in range(100):
        summaries = cfn.list_stacks()["StackSummaries"]
        status = next(s["StackStatus"] for s in summaries if s["StackName"] == name)
        if not status.endswith("IN_PROGRESS"):
            return str(status)
        time.sleep(0.1)
    raise AssertionError(f"{name} did not settle")


def test_outputs_of_a_half_deleted_stack_create_nothing(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": ["cloudformation:*", "sqs:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "sns:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "sns:DeleteTopic", "Resource": "*"},
        ]
    )
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName="half-deleted", TemplateBody=json.dumps(TEMPLATE))
    assert _status(cfn, "half-deleted") == "CREATE_COMPLETE"
    cfn.delete_stack(StackName="half-deleted")
    assert _status(cfn, "half-deleted") == "DELETE_FAILED"
    [stack] = cfn.describe_stacks(StackName="half-deleted")["Stacks"]
    assert stack.get("Outputs", []) == []  # the queue is gone: no output names it
    resources = cfn.list_stack_resources(StackName="half-deleted")["StackResourceSummaries"]
    assert [r["LogicalResourceId"] for r in resources] == ["Kept"]
    queues = operator_client("sqs").list_queues(QueueNamePrefix="half-deleted-")
    assert queues.get("QueueUrls", []) == []
    operator = operator_client("cloudformation")
    operator.delete_stack(StackName="half-deleted")

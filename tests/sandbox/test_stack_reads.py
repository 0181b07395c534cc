"""Reading a stack's resources, as the operator does after each attempt, creates none."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

TEMPLATE = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}


def test_listing_a_rolled_back_stack_creates_nothing(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    _, as_deployer = make_user([{"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"}])
    cfn = as_deployer("cloudformation")
    # sqs:CreateQueue is denied: the stack rolls back
    stack_id = cfn.create_stack(StackName="reads", TemplateBody=json.dumps(TEMPLATE))["StackId"]
    operator = operator_client("cloudformation")
    for _ in range(100):
        status = operator.describe_stacks(StackName="reads")["Stacks"][0]["StackStatus"]
        if not status.endswith("IN_PROGRESS"):
            break
        time.sleep(0.1)
    assert status == "ROLLBACK_COMPLETE"
    for _ in range(2):
        assert operator.list_stack_resources(StackName="reads")["StackResourceSummaries"] == []
        assert operator.describe_stack_resources(StackName="reads")["StackResources"] == []
    # the account is shared with other tests: none of this stack's queue
    assert operator_client("sqs").list_queues(QueueNamePrefix="reads-").get("QueueUrls", []) == []
    operator.delete_stack(StackName=stack_id)
    [gone] = operator.describe_stacks(StackName=stack_id)["Stacks"]
    assert gone["StackStatus"] == "DELETE_COMPLETE"

"""A nested stack whose deletion fails fails its parent's (DELETE_FAILED), as CloudFormation's
does: before, the parent was DELETE_COMPLETE with the nested stack's resources left behind,
so a delete step "succeeded" without the deletes a real account would demand of it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
NESTED = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}


def test_a_nested_stack_that_cannot_be_deleted_fails_its_parents_deletion(
    operator_client: Callable[[str], Any], make_user: MakeUser
) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="nested-delete")
    s3.put_object(Bucket="nested-delete", Key="queue.json", Body=json.dumps(NESTED))
    url = f"{s3.meta.endpoint_url}/nested-delete/queue.json"
    parent = {
        "Resources": {
            "Inner": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}
        }
    }
    _, client = make_user(
        [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"},
        ]
    )
    cfn = client("cloudformation")
    cfn.create_stack(StackName="nested-delete", TemplateBody=json.dumps(parent))
    stack = settled(cfn, "nested-delete")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    cfn.delete_stack(StackName="nested-delete")
    gone = settled(cfn, stack["StackId"])
    assert gone["StackStatus"] == "DELETE_FAILED"
    events = cfn.describe_stack_events(StackName=stack["StackId"])["StackEvents"]
    reasons = [
        e.get("ResourceStatusReason", "") for e in events if e["LogicalResourceId"] == "Inner"
    ]
    assert any("was not successfully deleted" in r for r in reasons), reasons

"""A stack CloudFormation cannot update refuses a change set and an update, as on AWS.

AWS answers `ValidationError: Stack:<arn> is in DELETE_FAILED state and can not be updated.`
to CreateChangeSet (and UpdateStack) on a stack whose delete failed (quoted in public CI
scripts and CDK bootstrap reports). The sandbox made the change set and executed it over
the half-deleted stack, so `cdk deploy` exited 0 and a step "succeeded" with a stack AWS
would not have touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from autofix.sandbox.server import SandboxInfo
from autofix.testing import IamSandbox
from tests.sandbox.test_cfn_stacks import client, deployer, status

QUEUE = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "kept"}}}}
MORE = {
    "Resources": {
        **QUEUE["Resources"],
        "Other": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "other"}},
    }
}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    with IamSandbox.start(tmp_path_factory.mktemp("cfn-stack-states")) as account:
        yield account.info


def test_a_stack_whose_delete_failed_can_not_be_updated(sandbox: SandboxInfo) -> None:
    key = deployer(sandbox, ["cloudformation:*", "sqs:CreateQueue", "sqs:GetQueue*"])
    cfn = client(sandbox, "cloudformation", key)
    cfn.create_stack(StackName="half", TemplateBody=json.dumps(QUEUE))
    cfn.delete_stack(StackName="half")
    assert status(cfn, "half") == "DELETE_FAILED"
    with pytest.raises(ClientError) as change_set:
        cfn.create_change_set(
            StackName="half",
            ChangeSetName="again",
            ChangeSetType="UPDATE",
            TemplateBody=json.dumps(MORE),
        )
    error = change_set.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"].startswith(
        "Stack:arn:aws:cloudformation:us-east-1:123456789012:stack/half/"
    )
    assert error["Message"].endswith(" is in DELETE_FAILED state and can not be updated.")
    with pytest.raises(ClientError) as update:
        cfn.update_stack(StackName="half", TemplateBody=json.dumps(MORE))
    assert "is in DELETE_FAILED state and can not be updated." in str(update.value)
    assert status(cfn, "half") == "DELETE_FAILED"
    assert [
        q for q in client(sandbox, "sqs").list_queues().get("QueueUrls", []) if "other" in q
    ] == []

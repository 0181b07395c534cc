"""Change sets as the CDK CLI uses them: DescribeChangeSet within the named stack, ChangeSetNotFound
when gone, and SSM-typed parameters resolved again on an update."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest


def _queue(name: str) -> str:
    return json.dumps(
        {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}}}}
    )


def test_a_change_set_that_is_not_there_is_change_set_not_found(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    for stack in ("cs-reads-a", "cs-reads-b"):
        cfn.create_change_set(
            StackName=stack,
            ChangeSetName="cdk-deploy-change-set",
            ChangeSetType="CREATE",
            TemplateBody=_queue(stack),
        )
    # the same name in two stacks: each stack's own
    for stack in ("cs-reads-a", "cs-reads-b"):
        got = cfn.describe_change_set(StackName=stack, ChangeSetName="cdk-deploy-change-set")
        assert got["StackName"] == stack
    # deleted (as the CDK CLI does before each deploy), then waited for until it is gone
    cfn.delete_change_set(StackName="cs-reads-a", ChangeSetName="cdk-deploy-change-set")
    with pytest.raises(botocore.exceptions.ClientError) as gone:
        cfn.describe_change_set(StackName="cs-reads-a", ChangeSetName="cdk-deploy-change-set")
    error = gone.value.response["Error"]
    assert error["Code"] == "ChangeSetNotFound"
    assert error["Message"] == "ChangeSet [cdk-deploy-change-set] does not exist"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    for stack in ("cs-reads-a", "cs-reads-b"):
        cfn.delete_stack(StackName=stack)


def _settled(cfn: Any, name: str) -> str:
    for _ in range(100):
        status = str(cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])
        if not status.endswith("IN_PROGRESS") or status == "REVIEW_IN_PROGRESS":
            return status
        time.sleep(0.1)
    raise AssertionError(f"{name} did not settle")


def test_an_ssm_typed_parameter_resolves_again_on_an_update(
    operator_client: Callable[[str], Any],
) -> None:
    """CDK's stacks read the bootstrap version as `AWS::SSM::Parameter::Value<String>`."""
    operator_client("ssm").put_parameter(Name="/cs-ssm/version", Value="33", Type="String")
    cfn = operator_client("cloudformation")
    template = {
        "Parameters": {
            "Version": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cs-ssm/version"}
        },
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"Seen": {"Value": {"Ref": "Version"}}},
    }
    for kind, params in (
        ("CREATE", []),
        ("UPDATE", [{"ParameterKey": "Version", "UsePreviousValue": True}]),
    ):
        cfn.create_change_set(
            StackName="cs-ssm",
            ChangeSetName=f"c-{kind.lower()}",
            ChangeSetType=kind,
            TemplateBody=json.dumps(template),
            Parameters=params,
        )
        cfn.execute_change_set(StackName="cs-ssm", ChangeSetName=f"c-{kind.lower()}")
        assert _settled(cfn, "cs-ssm") == f"{kind}_COMPLETE"
        template["Resources"]["Q"]["Properties"] = {"VisibilityTimeout": 40}
    cfn.delete_stack(StackName="cs-ssm")

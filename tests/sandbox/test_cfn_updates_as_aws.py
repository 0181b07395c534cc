"""Updates as CloudFormation makes them (issue 18, item 5).

An inline (`ZipFile`) function keeps its code through an update that does not touch it
and takes a new one when it does (moto base64-decoded the plain text: "Incorrect
padding"); `aws cloudformation deploy`'s change set with parameters and nothing changed
is created and fails "didn't contain changes" (moto refused it: "No updates are to be
performed.").
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import LAMBDA_TRUST, failures, settled


def _template(code: str, greeting: str) -> dict[str, Any]:
    return {
        "Parameters": {"RetentionDays": {"Type": "String", "Default": "7"}},
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST},
            },
            "Logs": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"RetentionInDays": {"Ref": "RetentionDays"}},
            },
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Environment": {"Variables": {"GREETING": greeting}},
                    "Code": {"ZipFile": code},
                },
            },
        },
    }


V1 = "def handler(event, context):\n    return 'v1'\n"
V2 = "def handler(event, context):\n    return 'version two'\n"


def _update(cfn: Any, stack: str, body: dict[str, Any], retention: str) -> str:
    """`aws cloudformation deploy`: a change set with parameters, executed if it has changes."""
    change_set = cfn.create_change_set(
        StackName=stack,
        ChangeSetName=f"cs-{uuid.uuid4().hex[:6]}",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": "RetentionDays", "ParameterValue": retention}],
        Capabilities=["CAPABILITY_IAM"],
    )["Id"]
    described = cfn.describe_change_set(ChangeSetName=change_set)
    if described["Status"] == "FAILED":
        return f"no update: {described['StatusReason']}"
    cfn.execute_change_set(ChangeSetName=change_set)
    return str(settled(cfn, stack)["StackStatus"])


def _code_size(operator_client: Callable[[str], Any], cfn: Any, stack: str) -> int:
    listed = cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    name = next(r["PhysicalResourceId"] for r in listed if r["LogicalResourceId"] == "Fn")
    size: int = operator_client("lambda").get_function(FunctionName=name)["Configuration"][
        "CodeSize"
    ]
    return size


def test_an_inline_function_survives_updates_and_takes_new_code(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    stack = f"inline-{uuid.uuid4().hex[:6]}"
    cfn.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(_template(V1, "hello")),
        Parameters=[{"ParameterKey": "RetentionDays", "ParameterValue": "7"}],
        Capabilities=["CAPABILITY_IAM"],
    )
    assert settled(cfn, stack)["StackStatus"] == "CREATE_COMPLETE", failures(cfn, stack)
    size = _code_size(operator_client, cfn, stack)
    try:
        # nothing changed, parameters passed: a change set that fails, no ValidationError
        unchanged = _update(cfn, stack, _template(V1, "hello"), "7")
        assert unchanged.startswith("no update: The submitted information didn't contain")
        # only the log group's retention changes: the function is left as it is
        assert _update(cfn, stack, _template(V1, "hello"), "30") == "UPDATE_COMPLETE", failures(
            cfn, stack
        )
        assert _code_size(operator_client, cfn, stack) == size
        # the function's configuration changes, its inline code stays
        assert _update(cfn, stack, _template(V1, "hi"), "30") == "UPDATE_COMPLETE", failures(
            cfn, stack
        )
        assert _code_size(operator_client, cfn, stack) == size
        # new inline code is deployed
        assert _update(cfn, stack, _template(V2, "hi"), "30") == "UPDATE_COMPLETE", failures(
            cfn, stack
        )
        assert _code_size(operator_client, cfn, stack) != size
    finally:
        cfn.delete_stack(StackName=stack)


def _topic(display: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": display}},
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Feed": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Topic"},
                    "Protocol": "sqs",
                    "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]},
                },
            },
        },
        "Outputs": {"Arn": {"Value": {"Ref": "Topic"}}},
    }


def test_an_unnamed_topic_keeps_its_arn_through_an_update_in_place(
    operator_client: Callable[[str], Any],
) -> None:
    # DisplayName: "Update requires: No interruption" (AWS::SNS::Topic's reference); moto
    # remade the topic under a newly generated name, so every Ref of it changed and the
    # subscription was replaced: demands AWS would not make of the update
    cfn = operator_client("cloudformation")
    stack = f"topic-{uuid.uuid4().hex[:6]}"
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(_topic("one")))
    assert settled(cfn, stack)["StackStatus"] == "CREATE_COMPLETE", failures(cfn, stack)
    arn = settled(cfn, stack)["Outputs"][0]["OutputValue"]
    try:
        cfn.update_stack(StackName=stack, TemplateBody=json.dumps(_topic("two")))
        after = settled(cfn, stack)
        assert after["StackStatus"] == "UPDATE_COMPLETE", failures(cfn, stack)
        assert after["Outputs"][0]["OutputValue"] == arn
        attributes = operator_client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
        assert attributes["DisplayName"] == "two"
        touched = {
            e["LogicalResourceId"]
            for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
            if e["ResourceStatus"].startswith("UPDATE_") and e["LogicalResourceId"] != stack
        }
        assert touched == {"Topic"}
    finally:
        cfn.delete_stack(StackName=stack)

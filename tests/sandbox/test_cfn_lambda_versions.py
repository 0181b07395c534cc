"""Lambda versions, aliases and function URLs in a stack, as `provisionedConcurrency` and
`url: true` deploy them: a version's Ref and attributes, an alias on it that an event
source mapping can use, updated, and a URL that stays deleted after a denied delete."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import LAMBDA_TRUST, failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]


def _status_unread(cfn: Any, stack_id: str) -> str:
    """The stack's settled status, read without describing it (which evaluates its Outputs)."""
    for _ in range(200):
        found = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackId"] == stack_id]
        if found and not found[0]["StackStatus"].endswith("IN_PROGRESS"):
            return str(found[0]["StackStatus"])
        time.sleep(0.1)
    raise AssertionError(f"{stack_id} did not settle")


def _function(suffix: str, extra: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": f"role-{suffix}",
                    "AssumeRolePolicyDocument": LAMBDA_TRUST,
                },
            },
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": f"fn-{suffix}",
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Code": {"ZipFile": "def handler(event, context):\n    return 1\n"},
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                },
            },
            **extra,
        },
        "Outputs": outputs,
    }


def _versioned(suffix: str, alias_description: str, queue: str = "") -> dict[str, Any]:
    """A version, an alias on it (and, on `queue`, an event source mapping on the alias)."""
    version = {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}}
    alias = {
        "Type": "AWS::Lambda::Alias",
        "Properties": {
            "FunctionName": {"Ref": "Fn"},
            "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]},
            "Name": "live",
            "Description": alias_description,
        },
    }
    outputs = {
        "Ref": {"Value": {"Ref": "Version"}},
        "Arn": {"Value": {"Fn::GetAtt": ["Version", "FunctionArn"]}},
        "Number": {"Value": {"Fn::GetAtt": ["Version", "Version"]}},
    }
    resources = {"Version": version, "Alias": alias}
    if queue:
        resources["Mapping"] = {
            "Type": "AWS::Lambda::EventSourceMapping",
            "DependsOn": "Alias",
            "Properties": {
                "EventSourceArn": queue,
                "FunctionName": {"Fn::Join": [":", [{"Fn::GetAtt": ["Fn", "Arn"]}, "live"]]},
            },
        }
    return _function(suffix, resources, outputs)


def test_a_version_gives_its_arn_and_number_and_the_alias_on_it_exists_and_updates(
    operator_client: Callable[[str], Any],
) -> None:
    sqs = operator_client("sqs")
    url = sqs.create_queue(QueueName="version-attrs-q")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    cfn = operator_client("cloudformation")
    name = "version-attrs"
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(_versioned("va", "first", queue)))
    created = settled(cfn, name)
    assert created["StackStatus"] == "CREATE_COMPLETE", failures(cfn, name)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in created["Outputs"]}
    region = cfn.meta.region_name
    account = operator_client("sts").get_caller_identity()["Account"]
    arn = f"arn:aws:lambda:{region}:{account}:function:fn-va:1"
    assert outputs == {"Ref": arn, "Arn": arn, "Number": "1"}

    template = _versioned("va", "second", queue)
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(template))
    updated = settled(cfn, name)
    reasons = failures(cfn, name)
    alias = operator_client("lambda").get_alias(FunctionName="fn-va", Name="live")
    cfn.delete_stack(StackName=name)
    assert updated["StackStatus"] == "UPDATE_COMPLETE", reasons
    assert (alias["FunctionVersion"], alias["Description"]) == ("1", "second")
    assert alias["AliasArn"] == f"arn:aws:lambda:{region}:{account}:function:fn-va:live"


def test_a_version_has_no_attribute_its_schema_does_not_list(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    template = _versioned("vb", "x")
    template["Outputs"] = {"Bogus": {"Value": {"Fn::GetAtt": ["Version", "CodeSha256"]}}}
    try:
        cfn.create_stack(StackName="version-bogus", TemplateBody=json.dumps(template))
    except cfn.exceptions.ClientError as error:
        assert error.response["Error"]["Code"] == "ValidationError"
        return
    stack = settled(cfn, "version-bogus")
    cfn.delete_stack(StackName="version-bogus")
    raise AssertionError(f"an unknown attribute was accepted: {stack['StackStatus']}")


def test_a_function_url_stays_deleted_when_the_stack_s_delete_is_retried(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    name = "url-retry"
    url = {
        "Type": "AWS::Lambda::Url",
        "Properties": {"TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]}, "AuthType": "NONE"},
    }
    outputs = {"Url": {"Value": {"Fn::GetAtt": ["Url", "FunctionUrl"]}}}
    template = _function("ur", {"Url": url}, outputs)
    stack_id = operator_client("cloudformation").create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )["StackId"]
    assert _status_unread(operator_client("cloudformation"), stack_id) == "CREATE_COMPLETE"
    region = operator_client("sts").meta.region_name
    account = operator_client("sts").get_caller_identity()["Account"]
    function = f"arn:aws:lambda:{region}:{account}:function:fn-ur"
    granted: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": ["cloudformation:*", "iam:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": function},
    ]
    url_delete = {
        "Effect": "Allow",
        "Action": "lambda:DeleteFunctionUrlConfig",
        "Resource": function,
    }
    _, first = make_user([*granted, url_delete])
    cfn = first("cloudformation")
    cfn.delete_stack(StackName=stack_id)  # the URL goes, the function is denied
    assert _status_unread(cfn, stack_id) == "DELETE_FAILED"
    cfn.describe_stacks(StackName=stack_id)  # its first read of the Outputs (sls reads them)
    cfn.list_stack_resources(StackName=stack_id)

    # the second deployer may delete the function only: a URL that came back would fail it
    _, second = make_user([*granted, {**url_delete, "Action": "lambda:DeleteFunction"}])
    cfn = second("cloudformation")
    cfn.delete_stack(StackName=stack_id)
    final = settled(cfn, stack_id)
    reasons = [r[:400] for r in failures(cfn, stack_id)]
    assert final["StackStatus"] == "DELETE_COMPLETE", reasons


def test_a_function_may_take_another_account_s_public_layer_but_not_a_missing_own_one(
    operator_client: Callable[[str], Any],
) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="public-layer-code")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    s3.put_object(Bucket="public-layer-code", Key="fn.zip", Body=buffer.getvalue())
    cfn = operator_client("cloudformation")
    account = operator_client("sts").get_caller_identity()["Account"]
    name = "public-layer"

    def template(layers: list[str]) -> str:
        body = _function("pl", {}, {})
        function = body["Resources"]["Fn"]["Properties"]
        function["Code"] = {"S3Bucket": "public-layer-code", "S3Key": "fn.zip"}
        if layers:
            function["Layers"] = layers
        return json.dumps(body)

    cfn.create_stack(StackName=name, TemplateBody=template([]))
    assert settled(cfn, name)["StackStatus"] == "CREATE_COMPLETE", failures(cfn, name)
    public = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:61"
    cfn.update_stack(StackName=name, TemplateBody=template([public]))
    updated = settled(cfn, name)["StackStatus"]
    reasons = failures(cfn, name)
    missing = f"arn:aws:lambda:us-east-1:{account}:layer:never-published:1"
    cfn.update_stack(StackName=name, TemplateBody=template([missing]))
    refused = settled(cfn, name)["StackStatus"]
    cfn.delete_stack(StackName=name)
    assert updated == "UPDATE_COMPLETE", reasons
    assert refused == "UPDATE_ROLLBACK_COMPLETE"

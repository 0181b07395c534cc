"""The sandbox's CloudFormation expands AWS::Serverless-2016-10-31 (the real aws-sam-translator),
and checks, creates and deletes the expanded resources like any other (boto3, server)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
import yaml

from autofix.testing import IamSandbox

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]

TRANSFORM_ARN = "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31"
FUNCTION = {
    "Type": "AWS::Serverless::Function",
    "Properties": {
        "CodeUri": "s3://sam-transform-code/app.zip",
        "Handler": "app.handler",
        "Runtime": "python3.12",
        "Events": {"Hello": {"Type": "HttpApi", "Properties": {"Path": "/hi", "Method": "get"}}},
    },
}
SAM = yaml.safe_dump(
    {
        "Transform": ["AWS::Serverless-2016-10-31"],  # a list of transforms, as allowed
        "Resources": {"Fn": FUNCTION, "Table": {"Type": "AWS::Serverless::SimpleTable"}},
    }
)
EXPANDED = {
    ("Fn", "AWS::Lambda::Function"),
    ("FnRole", "AWS::IAM::Role"),
    ("FnHelloPermission", "AWS::Lambda::Permission"),
    ("ServerlessHttpApi", "AWS::ApiGatewayV2::Api"),
    ("ServerlessHttpApiApiGatewayDefaultStage", "AWS::ApiGatewayV2::Stage"),
    ("Table", "AWS::DynamoDB::Table"),
}
EVERYTHING_BUT_CREATE_FUNCTION = [
    {"Effect": "Allow", "Action": a, "Resource": "*"}
    for a in ("cloudformation:*", "iam:*", "dynamodb:*", "apigateway:*", "s3:GetObject")
] + [
    {
        "Effect": "Allow",
        "Action": [
            "lambda:GetFunction",
            "lambda:DeleteFunction",
            "lambda:TagResource",
            "lambda:AddPermission",
            "lambda:RemovePermission",
        ],
        "Resource": "*",
    }
]
CREATE_FUNCTION_DENIED = re.compile(
    r'^Resource handler returned message: "User: (?P<user>\S+) is not authorized to perform: '
    r"lambda:CreateFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:"
    r"(?P<name>\S+) because no identity-based policy allows the lambda:CreateFunction action"
)


def _code(operator_client: Callable[[str], Any]) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="sam-transform-code")
    s3.put_object(Bucket="sam-transform-code", Key="app.zip", Body=b"PK\x05\x06" + b"\0" * 18)


def _change_set(cfn: Any, stack: str, body: str, kind: str = "CREATE") -> dict[str, Any]:
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName="c1",
        ChangeSetType=kind,
        TemplateBody=body,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    described: dict[str, Any] = cfn.describe_change_set(StackName=stack, ChangeSetName="c1")
    return described


def _changes(described: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (c["ResourceChange"]["LogicalResourceId"], c["ResourceChange"]["ResourceType"])
        for c in described["Changes"]
    }


def test_a_sam_change_set_lists_the_expanded_resources(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    described = _change_set(cfn, "sam-expanded", SAM)
    assert described["Status"] == "CREATE_COMPLETE"
    assert _changes(described) == EXPANDED
    cfn.delete_stack(StackName="sam-expanded")


def test_get_template_answers_the_original_and_processed_stages(
    operator_client: Callable[[str], Any],
) -> None:
    _code(operator_client)
    cfn = operator_client("cloudformation")
    _change_set(cfn, "sam-stages", SAM)
    pending = cfn.get_template(
        StackName="sam-stages", ChangeSetName="c1", TemplateStage="Processed"
    )["TemplateBody"]
    assert "Transform" not in pending
    assert {(k, v["Type"]) for k, v in pending["Resources"].items()} == EXPANDED
    cfn.execute_change_set(StackName="sam-stages", ChangeSetName="c1")
    stack = cfn.describe_stacks(StackName="sam-stages")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"

    original = cfn.get_template(StackName="sam-stages")  # Original is the default stage
    assert original["TemplateBody"] == SAM
    assert original["StagesAvailable"] == ["Original", "Processed"]
    processed = cfn.get_template(StackName="sam-stages", TemplateStage="Processed")["TemplateBody"]
    assert {(k, v["Type"]) for k, v in processed["Resources"].items()} == EXPANDED
    listed = cfn.list_stack_resources(StackName="sam-stages")["StackResourceSummaries"]
    assert {(r["LogicalResourceId"], r["ResourceType"]) for r in listed} == EXPANDED

    cfn.delete_stack(StackName="sam-stages")
    kept = cfn.get_template(StackName=stack["StackId"], TemplateStage="Original")
    assert kept["TemplateBody"] == SAM
    assert operator_client("lambda").list_functions()["Functions"] == []


def test_a_function_made_by_the_transform_is_checked_with_the_callers_permissions(
    iam_sandbox: IamSandbox, operator_client: Callable[[str], Any], make_user: MakeUser
) -> None:
    _code(operator_client)
    arn, client = make_user(EVERYTHING_BUT_CREATE_FUNCTION)
    cfn = client("cloudformation")
    _change_set(cfn, "sam-no-create-function", SAM)
    cfn.execute_change_set(StackName="sam-no-create-function", ChangeSetName="c1")

    stack = cfn.describe_stacks(StackName="sam-no-create-function")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName="sam-no-create-function")["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert [(e["LogicalResourceId"], e["ResourceType"]) for e in failed] == [
        ("Fn", "AWS::Lambda::Function")
    ]
    match = CREATE_FUNCTION_DENIED.match(failed[0]["ResourceStatusReason"])
    assert match, failed[0]["ResourceStatusReason"]
    assert match["user"] == arn
    assert match["name"].startswith("sam-no-create-function-Fn-")
    completed = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "CREATE_COMPLETE"}
    assert {"FnRole", "Table"} <= completed  # the transform's other resources were created
    logged = [d for d in iam_sandbox.denials(arn) if d.action == "lambda:CreateFunction"]
    assert logged, "the denial inside the transform reached the deny log"
    cfn.delete_stack(StackName="sam-no-create-function")


def test_the_transform_needs_permission_to_use_it_also_from_a_template_url(
    iam_sandbox: IamSandbox, operator_client: Callable[[str], Any], make_user: MakeUser
) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="sam-templates")
    s3.put_object(Bucket="sam-templates", Key="t.yaml", Body=SAM.encode())
    url = f"{iam_sandbox.endpoint_url}/sam-templates/t.yaml"
    statements = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "cloudformation:*",
            "Resource": "arn:aws:cloudformation:us-east-1:123456789012:stack/*",
        },
    ]
    arn, client = make_user(statements)
    cfn = client("cloudformation")
    cfn.create_change_set(
        StackName="sam-from-url", ChangeSetName="c1", ChangeSetType="CREATE", TemplateURL=url
    )
    described = cfn.describe_change_set(StackName="sam-from-url", ChangeSetName="c1")
    assert described["Status"] == "FAILED"
    assert described["StatusReason"] == (
        f"User: {arn} is not authorized to perform: cloudformation:CreateChangeSet on resource: "
        f"{TRANSFORM_ARN} because no identity-based policy allows the "
        "cloudformation:CreateChangeSet action"
    )
    assert described["Changes"] == []
    cfn.delete_stack(StackName="sam-from-url")


def test_a_template_the_transform_rejects_fails_the_change_set(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    broken = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn": {**FUNCTION}}}
    broken["Resources"]["Fn"] = {**FUNCTION, "Properties": {"CodeUri": "not-an-s3-uri"}}
    described = _change_set(cfn, "sam-broken", json.dumps(broken))
    assert described["Status"] == "FAILED"
    assert described["ExecutionStatus"] == "UNAVAILABLE"
    assert described["StatusReason"].startswith(
        "Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application "
        "Specification document. Number of errors found: 1. Resource with id [Fn] is invalid."
    )
    stack = cfn.describe_stacks(StackName="sam-broken")["Stacks"][0]
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS"
    cfn.delete_stack(StackName="sam-broken")


def test_a_rest_api_from_sam_has_its_methods_and_deploys(
    operator_client: Callable[[str], Any],
) -> None:
    """SAM's `Api` event: a RestApi whose swagger 2.0 Body holds the methods, then its
    Deployment (which fails on an API without methods) and Stage."""
    _code(operator_client)
    rest = {**FUNCTION["Properties"], "Events": {"Hi": {"Type": "Api", "Properties": {
        "Path": "/items/{id}", "Method": "any"}}}}  # fmt: skip
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": rest}},
    }
    cfn = operator_client("cloudformation")
    _change_set(cfn, "sam-rest", json.dumps(template))
    cfn.execute_change_set(StackName="sam-rest", ChangeSetName="c1")
    stack = cfn.describe_stacks(StackName="sam-rest")["Stacks"][0]
    events = cfn.describe_stack_events(StackName="sam-rest")["StackEvents"]
    reasons = [e.get("ResourceStatusReason") for e in events if "FAILED" in e["ResourceStatus"]]
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons
    api_id = next(
        r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName="sam-rest")["StackResourceSummaries"]
        if r["ResourceType"] == "AWS::ApiGateway::RestApi"
    )
    apigateway = operator_client("apigateway")
    api = apigateway.get_rest_api(restApiId=api_id)
    assert api["name"] == "sam-rest"  # SAM's Body names it after the stack
    found = apigateway.get_resources(restApiId=api_id)["items"]
    methods = {r["path"]: set(r.get("resourceMethods", {})) for r in found}
    assert methods["/items/{id}"] == {"ANY"}
    integration = apigateway.get_integration(
        restApiId=api_id,
        resourceId=next(r["id"] for r in found if r["path"] == "/items/{id}"),
        httpMethod="ANY",
    )
    assert integration["type"] == "AWS_PROXY"
    stages = {s["stageName"] for s in apigateway.get_stages(restApiId=api_id)["item"]}
    assert stages == {"Prod", "Stage"}  # SAM's Deployment names a "Stage" stage too, as in AWS
    cfn.delete_stack(StackName="sam-rest")


def test_a_rest_api_with_cors_gets_its_mock_options_methods(
    operator_client: Callable[[str], Any],
) -> None:
    """SAM's Cors writes an OPTIONS method with a MOCK integration (no uri, no httpMethod)
    into the Body: it is imported, and the API deploys (moto's importer failed on it)."""
    _code(operator_client)
    rest = {**FUNCTION["Properties"], "Events": {"Hi": {"Type": "Api", "Properties": {
        "Path": "/items", "Method": "get"}}}}  # fmt: skip
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {"Api": {"Cors": "'*'"}},
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": rest}},
    }
    cfn = operator_client("cloudformation")
    _change_set(cfn, "sam-cors", json.dumps(template))
    cfn.execute_change_set(StackName="sam-cors", ChangeSetName="c1")
    stack = cfn.describe_stacks(StackName="sam-cors")["Stacks"][0]
    events = cfn.describe_stack_events(StackName="sam-cors")["StackEvents"]
    reasons = [e.get("ResourceStatusReason") for e in events if "FAILED" in e["ResourceStatus"]]
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons
    api_id = next(
        r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName="sam-cors")["StackResourceSummaries"]
        if r["ResourceType"] == "AWS::ApiGateway::RestApi"
    )
    apigateway = operator_client("apigateway")
    found = apigateway.get_resources(restApiId=api_id)["items"]
    items = next(r for r in found if r["path"] == "/items")
    assert set(items.get("resourceMethods", {})) == {"GET", "OPTIONS"}
    options = apigateway.get_integration(
        restApiId=api_id, resourceId=items["id"], httpMethod="OPTIONS"
    )
    assert options["type"] == "MOCK"
    cfn.delete_stack(StackName="sam-cors")


def test_create_stack_expands_the_transform_too(operator_client: Callable[[str], Any]) -> None:
    _code(operator_client)
    cfn = operator_client("cloudformation")
    cfn.create_stack(
        StackName="sam-direct", TemplateBody=SAM, Capabilities=["CAPABILITY_AUTO_EXPAND"]
    )
    assert cfn.describe_stacks(StackName="sam-direct")["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )
    listed = cfn.list_stack_resources(StackName="sam-direct")["StackResourceSummaries"]
    assert {(r["LogicalResourceId"], r["ResourceType"]) for r in listed} == EXPANDED
    assert cfn.get_template(StackName="sam-direct")["TemplateBody"] == SAM
    cfn.delete_stack(StackName="sam-direct")


def test_a_stacks_change_sets_are_its_own(operator_client: Callable[[str], Any]) -> None:
    """What the predict strategy reads of a stack under review: its own change set only."""
    cfn = operator_client("cloudformation")
    queue = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
    _change_set(cfn, "sam-review-a", queue)
    other = _change_set(cfn, "sam-review-b", SAM)
    listed = cfn.list_change_sets(StackName="sam-review-b")["Summaries"]
    assert [c["ChangeSetId"] for c in listed] == [other["ChangeSetId"]]
    with pytest.raises(botocore.exceptions.ClientError) as wrong_stack:
        cfn.get_template(StackName="sam-review-a", ChangeSetName=other["ChangeSetId"])
    assert wrong_stack.value.response["Error"]["Code"] == "ValidationError"
    mine = cfn.get_template(StackName="sam-review-b", ChangeSetName="c1", TemplateStage="Original")
    assert mine["TemplateBody"] == SAM
    for stack in ("sam-review-a", "sam-review-b"):
        cfn.delete_stack(StackName=stack)

"""Stack updates on the embedded sandbox change what a change set changes.

An update rehearsal (the operator's switch, autofix.step.hooks.rehearsal_switch, is on
while one runs) demands the update handlers of the resources the next deploy changes, no
others; a create-only change demands a create and a delete; an unchanged template is no
update.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from autofix.config import Step
from autofix.sandbox.server import EmbeddedSandbox, SandboxInfo
from autofix.step.hooks.rehearsal_switch import rehearsal_switch
from tests.sandbox.stacks import LAMBDA_TRUST

SERVICES = ["cloudformation:*", "iam:*", "lambda:*", "apigateway:*", "logs:*", "s3:*"]
REHEARSAL = Step("deploy (update)", "true", Path("."), rehearsal_of="deploy")


def template(suffix: str, greeting: str = "hello", code: str = "v1.zip") -> dict[str, Any]:
    """A function (code in the bucket `code-SUFFIX`) with an environment, behind a stage."""
    api = {"Ref": "Api"}
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
                    "MemorySize": 128,
                    "Environment": {"Variables": {"GREETING": greeting}},
                    "Code": {"S3Bucket": f"code-{suffix}", "S3Key": code},
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                },
            },
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": f"api-{suffix}"}},
            "Method": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": api,
                    "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "HttpMethod": "GET",
                    "AuthorizationType": "NONE",
                    "Integration": {
                        "Type": "MOCK",
                        "IntegrationHttpMethod": "POST",
                        "Uri": "http://example.com",
                    },
                },
            },
            "Deployment": {
                "Type": "AWS::ApiGateway::Deployment",
                "DependsOn": "Method",
                "Properties": {"RestApiId": api},
            },
            "Stage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": api,
                    "DeploymentId": {"Ref": "Deployment"},
                    "StageName": "live",
                },
            },
        }
    }


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxInfo]:
    with EmbeddedSandbox() as info:
        yield info


def client(info: SandboxInfo, service: str, key: dict[str, str] | None = None) -> Any:
    creds = key or {
        "AccessKeyId": info.operator.access_key_id,
        "SecretAccessKey": info.operator.secret_access_key,
    }
    return boto3.client(
        service,
        endpoint_url=info.endpoint,
        region_name=info.region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
    )


def deployer_without(info: SandboxInfo, *missing: str, denied_on: str | None = None) -> Any:
    """A CloudFormation client of a fresh user allowed everything it deploys but `missing`.

    With `denied_on`, `missing` is denied on that resource pattern only.
    """
    iam = client(info, "iam")
    name = f"deployer-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": SERVICES, "Resource": "*"}]
    if denied_on:
        statements.append({"Effect": "Deny", "Action": list(missing), "Resource": denied_on})
    elif missing:
        statements = [
            {"Effect": "Allow", "NotAction": list(missing), "Resource": "*"},
        ]
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName="deploy", PolicyDocument=json.dumps(policy))
    return client(info, "cloudformation", iam.create_access_key(UserName=name)["AccessKey"])


def deployed(info: SandboxInfo, body: dict[str, Any]) -> str:
    """A stack the operator created from `body` (and its code bucket); returns its name."""
    name = f"app-{uuid.uuid4().hex[:6]}"
    code = body["Resources"]["Fn"]["Properties"]["Code"]
    s3 = client(info, "s3")
    s3.create_bucket(Bucket=code["S3Bucket"])
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return 1\n")
    for key in ("v1.zip", "v2.zip"):
        s3.put_object(Bucket=code["S3Bucket"], Key=key, Body=archive.getvalue())
    cfn = client(info, "cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(body))
    assert status(cfn, name) == "CREATE_COMPLETE"
    return name


def redeploy(cfn: Any, stack: str, body: dict[str, Any]) -> str:
    """`aws cloudformation deploy`'s calls: a change set, executed when it has changes."""
    change_set = cfn.create_change_set(
        StackName=stack,
        ChangeSetName=f"cs-{uuid.uuid4().hex[:6]}",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(body),
    )["Id"]
    described = cfn.describe_change_set(ChangeSetName=change_set)
    if described["Status"] == "FAILED":
        return f"no update: {described['StatusReason']}"
    cfn.execute_change_set(ChangeSetName=change_set)
    return status(cfn, stack)


def status(cfn: Any, stack: str) -> str:
    value: str = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    return value


def failures(info: SandboxInfo, stack: str) -> dict[str, str]:
    """Logical id -> reason of each UPDATE_FAILED resource."""
    found = client(info, "cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    return {
        e["LogicalResourceId"]: e["ResourceStatusReason"]
        for e in found
        if e["ResourceStatus"] == "UPDATE_FAILED"
    }


UPDATES_OF_OTHERS = (  # update actions of every resource but the function
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "apigateway:PATCH",
    "apigateway:PUT",
)


def updated_in_last_update(cfn: Any, stack: str) -> set[str]:
    """Logical ids with an UPDATE_COMPLETE event since the stack's last update began."""
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]  # newest first
    found: set[str] = set()
    for event in events:
        if event["LogicalResourceId"] == stack:
            if event["ResourceStatus"] == "UPDATE_IN_PROGRESS":
                break
            continue
        if event["ResourceStatus"] == "UPDATE_COMPLETE":
            found.add(event["LogicalResourceId"])
    return found


@pytest.mark.parametrize("rehearsing", [False, True])
def test_an_unchanged_template_is_no_update(sandbox: SandboxInfo, rehearsing: bool) -> None:
    """As on AWS, with the operator's rehearsal switch on or off."""
    body = template(uuid.uuid4().hex[:6])
    stack = deployed(sandbox, body)
    cfn = deployer_without(sandbox, "lambda:UpdateFunctionConfiguration")
    if rehearsing:
        with rehearsal_switch(sandbox.endpoint)(REHEARSAL):
            outcome = redeploy(cfn, stack, body)
    else:
        outcome = redeploy(cfn, stack, body)
    assert outcome.startswith("no update: The submitted information")


def test_a_rehearsal_demands_the_changed_resources_update_and_no_others(
    sandbox: SandboxInfo,
) -> None:
    """Only the function's environment changes: its update is demanded, nothing else's."""
    suffix = uuid.uuid4().hex[:6]
    stack = deployed(sandbox, template(suffix))
    changed = template(suffix, greeting="hi")
    without_it = deployer_without(sandbox, "lambda:UpdateFunctionConfiguration")
    with rehearsal_switch(sandbox.endpoint)(REHEARSAL):
        assert redeploy(without_it, stack, changed) == "UPDATE_ROLLBACK_COMPLETE"
    assert set(failures(sandbox, stack)) == {"Fn"}
    assert (
        "is not authorized to perform: lambda:UpdateFunctionConfiguration on resource: "
        f"arn:aws:lambda:us-east-1:123456789012:function:fn-{suffix}"
    ) in failures(sandbox, stack)["Fn"]
    without_others = deployer_without(sandbox, *UPDATES_OF_OTHERS)
    with rehearsal_switch(sandbox.endpoint)(REHEARSAL):
        assert redeploy(without_others, stack, changed) == "UPDATE_COMPLETE"
    assert updated_in_last_update(without_others, stack) == {"Fn"}
    function = client(sandbox, "lambda").get_function_configuration(FunctionName=f"fn-{suffix}")
    assert function["Environment"]["Variables"] == {"GREETING": "hi"}


def test_a_new_deployment_updates_the_stage_that_refers_to_it(sandbox: SandboxInfo) -> None:
    """A new logical id for the deployment (Serverless makes one per deploy): the stage that
    refers to it is updated (apigateway:PATCH on the stage), the API and method are not."""
    suffix = uuid.uuid4().hex[:6]
    stack = deployed(sandbox, template(suffix))
    renamed = template(suffix)
    resources = renamed["Resources"]
    resources["Deployment2"] = resources.pop("Deployment")
    resources["Stage"]["Properties"]["DeploymentId"] = {"Ref": "Deployment2"}
    stages = "arn:aws:apigateway:us-east-1::/restapis/*/stages/*"
    cfn = deployer_without(sandbox, "apigateway:PATCH", denied_on=stages)
    assert redeploy(cfn, stack, renamed) == "UPDATE_ROLLBACK_COMPLETE"
    api = next(
        r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
        if r["LogicalResourceId"] == "Api"
    )
    reasons = failures(sandbox, stack)
    assert (
        "perform: apigateway:PATCH on resource: "
        f"arn:aws:apigateway:us-east-1::/restapis/{api}/stages/live with an explicit deny"
    ) in reasons["Stage"]
    assert set(reasons) == {"Stage"}
    allowed = deployer_without(sandbox, *UPDATES_OF_OTHERS[:4])  # PATCH allowed
    assert redeploy(allowed, stack, renamed) == "UPDATE_COMPLETE"
    assert updated_in_last_update(allowed, stack) == {"Stage"}


def renamed_function(suffix: str) -> dict[str, Any]:
    body = template(suffix)
    body["Resources"]["Fn"]["Properties"]["FunctionName"] = f"fn2-{suffix}"
    return body


def test_a_create_only_change_replaces_the_resource(sandbox: SandboxInfo) -> None:
    """A new FunctionName (create-only): the create handler is demanded, not the update's;
    the old function's delete runs in the cleanup, where a denial leaves it and the update
    stands (DELETE_FAILED), as in CloudFormation."""
    suffix = uuid.uuid4().hex[:6]
    stack = deployed(sandbox, template(suffix))
    no_update = ("lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode")
    cfn = deployer_without(sandbox, *no_update)
    assert redeploy(cfn, stack, renamed_function(suffix)) == "UPDATE_COMPLETE"
    assert updated_in_last_update(cfn, stack) == {"Fn"}

    suffix = uuid.uuid4().hex[:6]
    stack = deployed(sandbox, template(suffix))
    cfn = deployer_without(sandbox, "lambda:CreateFunction")
    assert redeploy(cfn, stack, renamed_function(suffix)) == "UPDATE_ROLLBACK_COMPLETE"
    assert (
        "lambda:CreateFunction on resource: "
        f"arn:aws:lambda:us-east-1:123456789012:function:fn2-{suffix}"
    ) in failures(sandbox, stack)["Fn"]

    suffix = uuid.uuid4().hex[:6]
    stack = deployed(sandbox, template(suffix))
    cfn = deployer_without(sandbox, "lambda:DeleteFunction")
    assert redeploy(cfn, stack, renamed_function(suffix)) == "UPDATE_COMPLETE"
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    delete_failed = [e for e in events if e["ResourceStatus"] == "DELETE_FAILED"]
    assert [e["LogicalResourceId"] for e in delete_failed] == ["Fn"]
    assert (
        "lambda:DeleteFunction on resource: "
        f"arn:aws:lambda:us-east-1:123456789012:function:fn-{suffix}"
    ) in delete_failed[0]["ResourceStatusReason"]


def test_a_real_code_change_needs_the_code_update_only(sandbox: SandboxInfo) -> None:
    """Outside a rehearsal the update stays property-aware: a code change is no new config."""
    suffix = uuid.uuid4().hex[:6]
    stack = deployed(sandbox, template(suffix))
    cfn = deployer_without(sandbox, "lambda:UpdateFunctionConfiguration")
    assert redeploy(cfn, stack, template(suffix, code="v2.zip")) == "UPDATE_COMPLETE"
    assert redeploy(cfn, stack, template(suffix, "hi", "v2.zip")) == "UPDATE_ROLLBACK_COMPLETE"
    assert "lambda:UpdateFunctionConfiguration" in failures(sandbox, stack)["Fn"]


def test_the_switch_refuses_a_bad_request(sandbox: SandboxInfo) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        sandbox.endpoint + "/_autofix/rehearsal", data=b'{"active": "yes"}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert "expected" in json.loads(refused.value.read())["error"]

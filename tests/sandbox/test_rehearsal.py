"""An update rehearsal on the embedded sandbox checks each resource type's update handler.

The operator's switch (autofix.step.hooks.rehearsal_switch) is on while a rehearsal step runs;
then a stack update treats every present, mutable property as changed, so the caller
needs the update permissions a real change to the code or the configuration takes.
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


def test_without_a_rehearsal_an_unchanged_template_is_no_update(sandbox: SandboxInfo) -> None:
    body = template(uuid.uuid4().hex[:6])
    stack = deployed(sandbox, body)
    cfn = deployer_without(sandbox, "lambda:UpdateFunctionConfiguration")
    assert redeploy(cfn, stack, body).startswith("no update: The submitted information")


def test_a_rehearsal_demands_update_function_configuration(sandbox: SandboxInfo) -> None:
    suffix = uuid.uuid4().hex[:6]
    body = template(suffix)
    stack = deployed(sandbox, body)
    cfn = deployer_without(sandbox, "lambda:UpdateFunctionConfiguration")
    with rehearsal_switch(sandbox.endpoint)(REHEARSAL):
        assert redeploy(cfn, stack, body) == "UPDATE_ROLLBACK_COMPLETE"
    reason = failures(sandbox, stack)["Fn"]
    assert (
        "is not authorized to perform: lambda:UpdateFunctionConfiguration on resource: "
        f"arn:aws:lambda:us-east-1:123456789012:function:fn-{suffix}"
    ) in reason
    # the switch is off again: the same deployer's unchanged redeploy is no update
    assert redeploy(cfn, stack, body).startswith("no update")


def test_a_rehearsal_demands_the_api_gateway_stage_update(sandbox: SandboxInfo) -> None:
    body = template(uuid.uuid4().hex[:6])
    stack = deployed(sandbox, body)
    stages = "arn:aws:apigateway:us-east-1::/restapis/*/stages/*"
    cfn = deployer_without(sandbox, "apigateway:PATCH", denied_on=stages)
    with rehearsal_switch(sandbox.endpoint)(REHEARSAL):
        assert redeploy(cfn, stack, body) == "UPDATE_ROLLBACK_COMPLETE"
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
    assert set(reasons) == {"Stage"}  # the API's own PATCH was allowed


def test_a_rehearsal_with_every_update_permission_keeps_the_resources(
    sandbox: SandboxInfo,
) -> None:
    suffix = uuid.uuid4().hex[:6]
    body = template(suffix, greeting="kept")
    stack = deployed(sandbox, body)
    cfn = deployer_without(sandbox)
    with rehearsal_switch(sandbox.endpoint)(REHEARSAL):
        assert redeploy(cfn, stack, body) == "UPDATE_COMPLETE"
    updated = {
        e["LogicalResourceId"]
        for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
        if e["ResourceStatus"] == "UPDATE_COMPLETE"
    }
    # every resource with a mutable property; a Deployment holds only create-only ones here
    assert updated >= {"Role", "Fn", "Api", "Method", "Stage"}
    assert "Deployment" not in updated
    function = client(sandbox, "lambda").get_function_configuration(FunctionName=f"fn-{suffix}")
    assert function["Environment"]["Variables"] == {"GREETING": "kept"}


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

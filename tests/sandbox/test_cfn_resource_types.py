"""Every resource type is checked or recorded: stand-ins, schema demands, unknown types.

Direct boto3 against the shared embedded sandbox (tests/sandbox/conftest.py).
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from autofix.sandbox.records import SandboxRecords

User = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:handler"

HTTP_API = {
    "Resources": {
        "HttpApi": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {"Name": "svc", "ProtocolType": "HTTP"},
        },
        "Integration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "HttpApi"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": FUNCTION,
                "PayloadFormatVersion": "2.0",
            },
        },
        "Route": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "HttpApi"},
                "RouteKey": "GET /hello",
                "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "Integration"}]]},
            },
        },
        "Stage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {
                "ApiId": {"Ref": "HttpApi"},
                "StageName": "$default",
                "AutoDeploy": True,
            },
        },
    },
    "Outputs": {
        "Url": {"Value": {"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]}},
        "Target": {"Value": {"Fn::Join": ["/", ["integrations", {"Ref": "Integration"}]]}},
    },
}


def allow(*actions: str) -> list[dict[str, Any]]:
    return [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]


def create(cfn: Any, template: dict[str, Any]) -> tuple[str, str]:
    """Create a stack and wait for it to settle: (stack name, final status)."""
    name = f"s-{uuid.uuid4().hex[:8]}"
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    with contextlib.suppress(WaiterError):  # a rollback ends the wait early
        cfn.get_waiter("stack_create_complete").wait(
            StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
    return name, cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]


def failure_reasons(cfn: Any, name: str) -> list[str]:
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return [e["ResourceStatusReason"] for e in events if e["ResourceStatus"].endswith("_FAILED")]


def test_an_http_api_deploys_only_with_the_api_gateway_v2_permissions(make_user: User) -> None:
    _, without = make_user(allow("cloudformation:*"))
    name, status = create(without("cloudformation"), HTTP_API)
    assert status == "ROLLBACK_COMPLETE"
    assert any("apigateway:POST" in r for r in failure_reasons(without("cloudformation"), name))

    _, granted = make_user(allow("cloudformation:*", "apigateway:POST", "apigateway:PUT"))
    cfn = granted("cloudformation")
    name, status = create(cfn, HTTP_API)
    assert status == "CREATE_COMPLETE"
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]
    }
    assert re.fullmatch(
        r"https://[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com", outputs["Url"]
    )
    assert re.fullmatch(r"integrations/[a-z0-9]{7}", outputs["Target"])
    listed = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    assert {r["LogicalResourceId"] for r in listed} == set(HTTP_API["Resources"])
    assert all(r["PhysicalResourceId"] for r in listed)

    stack_id = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName=name)  # no apigateway:DELETE
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_FAILED"
    _, deleter = make_user(allow("cloudformation:*", "apigateway:GET", "apigateway:DELETE"))
    deleter("cloudformation").delete_stack(StackName=name)
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    deleted = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "DELETE_COMPLETE"}
    assert deleted >= set(HTTP_API["Resources"])


@pytest.mark.parametrize("operation", ["create_stack", "create_change_set"])
def test_a_type_that_does_not_exist_is_rejected(make_user: User, operation: str) -> None:
    _, clients = make_user(allow("cloudformation:*", "s3:*"))
    template = {
        "Resources": {
            "Good": {"Type": "AWS::S3::Bucket"},
            "Typo": {"Type": "AWS::S3::Bukket"},
        }
    }
    extra = {"ChangeSetName": "cs", "ChangeSetType": "CREATE"} if "change" in operation else {}
    with pytest.raises(ClientError) as raised:
        getattr(clients("cloudformation"), operation)(
            StackName=f"s-{uuid.uuid4().hex[:8]}", TemplateBody=json.dumps(template), **extra
        )
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"] == (
        "Template format error: Unrecognized resource types: [AWS::S3::Bukket]"
    )


def unverified(deny_log_path: Path, stack: str) -> list[dict[str, str]]:
    path = SandboxRecords.beside(deny_log_path).unverified
    lines = path.read_text().splitlines() if path.exists() else []
    return [r for r in map(json.loads, lines) if r["stack"] == stack]


def test_a_custom_resource_needs_the_invoke_and_is_recorded_unverified(
    make_user: User, deny_log_path: Path
) -> None:
    template = {
        "Resources": {
            "Hook": {"Type": "Custom::Hook", "Properties": {"ServiceToken": FUNCTION}},
        },
        "Outputs": {"Id": {"Value": {"Ref": "Hook"}}},
    }
    _, without = make_user(allow("cloudformation:*"))
    name, status = create(without("cloudformation"), template)
    assert status == "ROLLBACK_COMPLETE"
    assert any(
        f"lambda:InvokeFunction on resource: {FUNCTION}" in r
        for r in failure_reasons(without("cloudformation"), name)
    )

    _, granted = make_user(allow("cloudformation:*", "lambda:InvokeFunction"))
    name, status = create(granted("cloudformation"), template)
    assert status == "CREATE_COMPLETE"
    [record] = unverified(deny_log_path, name)
    assert (record["type"], record["logical_id"]) == ("Custom::Hook", "Hook")
    assert "custom resource" in record["why"]


def test_a_type_without_any_permission_data_is_recorded_unverified(
    make_user: User, deny_log_path: Path
) -> None:
    template = {
        "Resources": {
            "Detector": {
                "Type": "AWS::CloudWatch::AnomalyDetector",
                "Properties": {"MetricName": "m", "Namespace": "n", "Stat": "Average"},
            },
            "Bucket": {"Type": "AWS::S3::Bucket"},
        }
    }
    _, clients = make_user(allow("cloudformation:*", "s3:*"))
    name, status = create(clients("cloudformation"), template)
    assert status == "CREATE_COMPLETE"
    assert [(r["type"], r["logical_id"]) for r in unverified(deny_log_path, name)] == [
        ("AWS::CloudWatch::AnomalyDetector", "Detector")
    ]


def test_a_denied_demand_is_in_the_deny_log_with_its_tier(
    make_user: User, deny_log_path: Path
) -> None:
    role = "arn:aws:iam::123456789012:role/scheduler"
    template = {
        "Resources": {
            "Schedule": {  # a property-aware rule
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {
                    "Name": "nightly",
                    "ScheduleExpression": "rate(1 hour)",
                    "FlexibleTimeWindow": {"Mode": "OFF"},
                    "Target": {"Arn": FUNCTION, "RoleArn": role},
                },
            },
            "Query": {  # no rule: the provider schema's handler list
                "Type": "AWS::Logs::QueryDefinition",
                "Properties": {"Name": "errors", "QueryString": "fields @message"},
            },
        }
    }
    arn, clients = make_user(allow("cloudformation:*", "iam:PassRole"))
    _, status = create(clients("cloudformation"), template)
    assert status == "ROLLBACK_COMPLETE"
    records = [json.loads(line) for line in deny_log_path.read_text().splitlines()]
    mine = {r["action"]: r for r in records if r["principal"] == arn}
    schedule = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"
    assert mine["scheduler:CreateSchedule"]["resource"] == schedule
    assert mine["scheduler:CreateSchedule"]["demand"] == "rule"
    assert mine["logs:PutQueryDefinition"]["resource"] == "*"
    assert mine["logs:PutQueryDefinition"]["demand"] == "schema"

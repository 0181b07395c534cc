"""CloudFormation in the embedded sandbox acts with the caller's permissions (boto3, server)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from autofix.sandbox.server import SandboxInfo
from autofix.testing import IamSandbox
from tests.sandbox.stacks import LAMBDA_TRUST

ALL_BUT_CREATE_FUNCTION = [
    "cloudformation:*",
    "iam:*",
    "s3:*",
    "logs:*",
    "apigateway:*",
    "lambda:GetFunction",
    "lambda:DeleteFunction",
    "lambda:TagResource",
]
REASON = re.compile(
    r'^Resource handler returned message: "User: arn:aws:iam::123456789012:user/(?P<user>[\w-]+) '
    r"is not authorized to perform: (?P<action>[\w:]+) on resource: (?P<resource>\S+) "
    r"because no identity-based policy allows the (?P=action) action "
    r'\(Service: (?P<service>\w+), Status Code: 403, Request ID: [0-9a-f-]{36}\)" '
    r"\(RequestToken: [0-9a-f-]{36}, HandlerErrorCode: AccessDenied\)$"
)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    """A fresh account of this module's own: its tests name stacks and roles plainly."""
    with IamSandbox.start(tmp_path_factory.mktemp("cfn-stacks")) as account:
        yield account.info


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


def deployer(info: SandboxInfo, actions: list[str]) -> dict[str, str]:
    """A fresh user allowed `actions` on everything; returns its access key."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    user = IamSandbox(info).principal(policy)
    creds = user.credentials
    return {
        "UserName": user.user_name,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
    }


def role_and_function(suffix: str, tags: bool = False) -> dict[str, Any]:
    function: dict[str, Any] = {
        "FunctionName": f"fn-{suffix}",
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Code": {"ZipFile": "def handler(event, context):\n    return 1\n"},
        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
    }
    if tags:
        function["Tags"] = [{"Key": "team", "Value": "a"}]
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": f"role-{suffix}",
                    "AssumeRolePolicyDocument": LAMBDA_TRUST,
                },
            },
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": function},
        }
    }


def events(cfn: Any, stack: str) -> list[tuple[str, str, str]]:
    """(logical id, status, reason) oldest first."""
    found = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason") or "")
        for e in reversed(found)
    ]


def status(cfn: Any, stack: str) -> str:
    value: str = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    return value


def role_names(info: SandboxInfo) -> set[str]:
    return {r["RoleName"] for r in client(info, "iam").list_roles()["Roles"]}


def test_missing_create_function_fails_the_function_and_rolls_back(sandbox: SandboxInfo) -> None:
    key = deployer(sandbox, ALL_BUT_CREATE_FUNCTION)
    cfn = client(sandbox, "cloudformation", key)
    cfn.create_stack(
        StackName="no-create-function", TemplateBody=json.dumps(role_and_function("a"))
    )

    assert status(cfn, "no-create-function") == "ROLLBACK_COMPLETE"
    seen = events(cfn, "no-create-function")
    failed = [e for e in seen if e[1] == "CREATE_FAILED"]
    assert [e[0] for e in failed] == ["Fn"]
    match = REASON.match(failed[0][2])
    assert match, failed[0][2]
    assert match["action"] == "lambda:CreateFunction"
    assert match["resource"] == "arn:aws:lambda:us-east-1:123456789012:function:fn-a"
    assert match["service"] == "Lambda"
    assert (
        "no-create-function",
        "ROLLBACK_IN_PROGRESS",
        "The following resource(s) failed to create: [Fn]. Rollback requested by user.",
    ) in seen
    statuses = [(e[0], e[1]) for e in seen]
    assert statuses.index(("Role", "CREATE_COMPLETE")) < statuses.index(("Fn", "CREATE_FAILED"))
    assert statuses.index(("Role", "DELETE_IN_PROGRESS")) < statuses.index(
        ("Role", "DELETE_COMPLETE")
    )
    assert statuses[-1] == ("no-create-function", "ROLLBACK_COMPLETE")
    assert "role-a" not in role_names(sandbox)


def test_pass_role_is_demanded_on_the_role_the_function_uses(sandbox: SandboxInfo) -> None:
    actions = [a for a in ALL_BUT_CREATE_FUNCTION if a != "iam:*"] + [
        "lambda:CreateFunction",
        "iam:CreateRole",
        "iam:GetRole",
        "iam:DeleteRole",
        "iam:List*",
    ]
    cfn = client(sandbox, "cloudformation", deployer(sandbox, actions))
    cfn.create_stack(StackName="no-pass-role", TemplateBody=json.dumps(role_and_function("p")))
    reason = next(e[2] for e in events(cfn, "no-pass-role") if e[1] == "CREATE_FAILED")
    match = REASON.match(reason)
    assert match and match["action"] == "iam:PassRole"
    assert match["resource"] == "arn:aws:iam::123456789012:role/role-p"


def test_tag_resource_is_demanded_only_for_a_tagged_function(sandbox: SandboxInfo) -> None:
    actions = [a for a in ALL_BUT_CREATE_FUNCTION if a != "lambda:TagResource"] + [
        "lambda:CreateFunction"
    ]
    cfn = client(sandbox, "cloudformation", deployer(sandbox, actions))
    cfn.create_stack(StackName="untagged", TemplateBody=json.dumps(role_and_function("u")))
    assert status(cfn, "untagged") == "CREATE_COMPLETE"
    cfn.create_stack(StackName="tagged", TemplateBody=json.dumps(role_and_function("t", tags=True)))
    assert status(cfn, "tagged") == "ROLLBACK_COMPLETE"
    reason = next(e[2] for e in events(cfn, "tagged") if e[1] == "CREATE_FAILED")
    assert (
        "perform: lambda:TagResource on resource: "
        "arn:aws:lambda:us-east-1:123456789012:function:fn-t" in reason
    )


def test_a_failed_update_rolls_back_and_keeps_the_previous_resources(sandbox: SandboxInfo) -> None:
    cfn = client(
        sandbox, "cloudformation", deployer(sandbox, ["cloudformation:*", "iam:*", "sqs:*"])
    )
    first = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "kept"}}}
    }
    cfn.create_stack(StackName="upd", TemplateBody=json.dumps(first))
    assert status(cfn, "upd") == "CREATE_COMPLETE"
    second = json.loads(json.dumps(role_and_function("upd")))
    second["Resources"]["Queue"] = first["Resources"]["Queue"]
    cfn.update_stack(StackName="upd", TemplateBody=json.dumps(second))

    assert status(cfn, "upd") == "UPDATE_ROLLBACK_COMPLETE"
    seen = events(cfn, "upd")
    reason = next(e[2] for e in seen if e[0] == "Fn" and e[1] == "CREATE_FAILED")
    assert "perform: lambda:CreateFunction" in reason
    assert ("Role", "DELETE_COMPLETE") in [(e[0], e[1]) for e in seen]
    assert "role-upd" not in role_names(sandbox)
    resources = {
        r["LogicalResourceId"]
        for r in cfn.list_stack_resources(StackName="upd")["StackResourceSummaries"]
    }
    assert resources == {"Queue"}
    assert client(sandbox, "sqs").get_queue_url(QueueName="kept")["QueueUrl"]


def test_a_service_role_acts_instead_of_the_caller(sandbox: SandboxInfo) -> None:
    iam = client(sandbox, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudformation.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="cfn-exec", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName="cfn-exec",
        PolicyName="p",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": "*"}],
            }
        ),
    )
    cfn = client(sandbox, "cloudformation", deployer(sandbox, ["*"]))
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "via-role"}}}
    }
    cfn.create_stack(
        StackName="with-role",
        TemplateBody=json.dumps(template),
        RoleARN="arn:aws:iam::123456789012:role/cfn-exec",
    )
    reason = next(e[2] for e in events(cfn, "with-role") if e[1] == "CREATE_FAILED")
    assert reason.startswith(
        'Resource handler returned message: "User: '
        "arn:aws:sts::123456789012:assumed-role/cfn-exec/AWSCloudFormation "
        "is not authorized to perform: sqs:GetQueueUrl"
    )


def test_a_denied_delete_leaves_delete_failed_then_succeeds_once_allowed(
    sandbox: SandboxInfo,
) -> None:
    iam = client(sandbox, "iam")
    key = deployer(sandbox, ["cloudformation:*", "sqs:CreateQueue", "sqs:GetQueue*"])
    cfn = client(sandbox, "cloudformation", key)
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "stays"}}}
    }
    cfn.create_stack(StackName="del", TemplateBody=json.dumps(template))
    assert status(cfn, "del") == "CREATE_COMPLETE"
    cfn.delete_stack(StackName="del")
    assert status(cfn, "del") == "DELETE_FAILED"
    reason = next(e[2] for e in events(cfn, "del") if e[1] == "DELETE_FAILED")
    assert (
        "perform: sqs:DeleteQueue on resource: arn:aws:sqs:us-east-1:123456789012:stays" in reason
    )
    iam.put_user_policy(
        UserName=key["UserName"],
        PolicyName="more",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:DeleteQueue", "Resource": "*"}],
            }
        ),
    )
    cfn.delete_stack(StackName="del")
    assert not [
        s
        for s in cfn.list_stacks()["StackSummaries"]
        if s["StackName"] == "del" and s["StackStatus"] != "DELETE_COMPLETE"
    ]


def test_a_delete_deletes_all_it_can_and_names_every_failure(sandbox: SandboxInfo) -> None:
    """As CloudFormation does: a resource whose delete is denied stays (with what it needs),
    the others are deleted, and DELETE_FAILED names every failure."""
    key = deployer(sandbox, ["cloudformation:*", "sqs:CreateQueue", "sqs:GetQueue*", "sns:*"])
    cfn = client(sandbox, "cloudformation", key)
    template = {
        "Resources": {
            "One": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "one"}},
            "Two": {
                "Type": "AWS::SQS::Queue",
                "DependsOn": "Base",
                "Properties": {"QueueName": "two"},
            },
            "Base": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "base"}},
            "Free": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "free"}},
        }
    }
    cfn.create_stack(StackName="waves", TemplateBody=json.dumps(template))
    assert status(cfn, "waves") == "CREATE_COMPLETE"
    cfn.delete_stack(StackName="waves")
    assert status(cfn, "waves") == "DELETE_FAILED"
    failed = {e[0] for e in events(cfn, "waves") if e[1] == "DELETE_FAILED" and e[0] != "waves"}
    assert failed == {"One", "Two"}
    reason = next(e[2] for e in events(cfn, "waves") if e[0] == "waves" and e[1] == "DELETE_FAILED")
    assert "failed to delete: [" in reason and "One" in reason and "Two" in reason
    left = {
        r["LogicalResourceId"]
        for r in cfn.list_stack_resources(StackName="waves")["StackResourceSummaries"]
    }
    assert left == {"One", "Two", "Base"}  # Base, which Two needs, was not tried
    topics = client(sandbox, "sns").list_topics()["Topics"]
    assert [t["TopicArn"].rsplit(":", 1)[1] for t in topics if "free" in t["TopicArn"]] == []


def test_bucket_policy_and_stage_are_created_and_deleted(sandbox: SandboxInfo) -> None:
    cfn = client(sandbox, "cloudformation")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::bp-bucket-1/*",
            }
        ],
    }
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "bp-bucket-1"}},
            "Policy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": policy},
            },
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
            "Res": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "PathPart": "x",
                },
            },
            "Method": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Ref": "Res"},
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
                "Properties": {"RestApiId": {"Ref": "Api"}},
            },
            "Stage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "DeploymentId": {"Ref": "Deployment"},
                    "StageName": "live",
                },
            },
        }
    }
    cfn.create_stack(StackName="bp-stage", TemplateBody=json.dumps(template))
    assert status(cfn, "bp-stage") == "CREATE_COMPLETE"
    s3, apigw = client(sandbox, "s3"), client(sandbox, "apigateway")
    assert json.loads(s3.get_bucket_policy(Bucket="bp-bucket-1")["Policy"]) == policy
    api_id = next(a["id"] for a in apigw.get_rest_apis()["items"] if a["name"] == "api")
    assert apigw.get_stage(restApiId=api_id, stageName="live")["stageName"] == "live"
    logical = {
        r["LogicalResourceId"]
        for r in cfn.list_stack_resources(StackName="bp-stage")["StackResourceSummaries"]
    }
    assert {"Policy", "Stage"} <= logical
    stack_id = cfn.describe_stacks(StackName="bp-stage")["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName="bp-stage")
    deleted = {(e[0], e[1]) for e in events(cfn, stack_id)}
    assert {("Stage", "DELETE_COMPLETE"), ("Policy", "DELETE_COMPLETE")} <= deleted
    assert "bp-bucket-1" not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_outputs_are_present_after_change_sets(sandbox: SandboxInfo) -> None:
    cfn = client(sandbox, "cloudformation")
    template = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "cs-queue"}}
        },
        "Outputs": {
            "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}},
            "Endpoint": {"Value": {"Fn::Join": ["", ["https://", {"Ref": "AWS::Region"}, "/x"]]}},
        },
    }
    cfn.create_change_set(
        StackName="cs",
        ChangeSetName="one",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
    )
    cfn.execute_change_set(StackName="cs", ChangeSetName="one")
    stack = cfn.describe_stacks(StackName="cs")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs == {
        "QueueArn": "arn:aws:sqs:us-east-1:123456789012:cs-queue",
        "Endpoint": "https://us-east-1/x",
    }
    template["Outputs"]["Extra"] = {"Value": "two"}
    cfn.create_change_set(
        StackName="cs",
        ChangeSetName="two",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(template),
    )
    cfn.execute_change_set(StackName="cs", ChangeSetName="two")
    stack = cfn.describe_stacks(StackName="cs")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert {o["OutputKey"] for o in stack["Outputs"]} == {"QueueArn", "Endpoint", "Extra"}

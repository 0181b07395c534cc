"""A nested stack is created with its parent's service role, which passes the role to itself.

CloudFormation acts on a stack with its service role for every operation (RoleARN: CDK's
execution role), nested stacks included: their resources are the role's demands, never the
caller's, and creating one passes the role to itself (iam:PassRole on its own ARN). The
sandbox made a CDK app's nested stack with the deployer's credentials (cdk-static-site).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from autofix.testing import IamSandbox
from tests.sandbox.stacks import failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudformation.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_a_nested_stack_acts_with_the_parents_service_role(
    iam_sandbox: IamSandbox,
    operator_client: Callable[[str], Any],
    make_user: MakeUser,
) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="nested-role-tpl")
    child = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    s3.put_object(Bucket="nested-role-tpl", Key="child.json", Body=json.dumps(child).encode())
    url = f"{iam_sandbox.endpoint_url}/nested-role-tpl/child.json"
    parent = {
        "Resources": {
            "Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}
        }
    }
    iam = operator_client("iam")
    role = iam.create_role(RoleName="nested-exec", AssumeRolePolicyDocument=json.dumps(TRUST))
    role_arn = role["Role"]["Arn"]
    works = [
        {"Effect": "Allow", "Action": ["cloudformation:*", "sqs:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    ]
    iam.put_role_policy(
        RoleName="nested-exec",
        PolicyName="works",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": works}),
    )
    # the deployer may only drive CloudFormation and pass the role: no sqs:*, no s3:*
    _, client = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_arn},
        ]
    )
    cfn = client("cloudformation")

    cfn.create_stack(StackName="nested-role-a", TemplateBody=json.dumps(parent), RoleARN=role_arn)
    assert settled(cfn, "nested-role-a")["StackStatus"] != "CREATE_COMPLETE"
    denied = failures(cfn, "nested-role-a")
    assert any(
        "assumed-role/nested-exec/AWSCloudFormation" in f
        and f"iam:PassRole on resource: {role_arn}" in f
        for f in denied
    ), denied

    pass_itself = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_arn}
    iam.put_role_policy(
        RoleName="nested-exec",
        PolicyName="works",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [*works, pass_itself]}),
    )
    cfn.create_stack(StackName="nested-role-b", TemplateBody=json.dumps(parent), RoleARN=role_arn)
    assert settled(cfn, "nested-role-b")["StackStatus"] == "CREATE_COMPLETE", failures(
        cfn, "nested-role-b"
    )
    nested = [
        s
        for s in cfn.describe_stacks()["Stacks"]
        if s["StackName"].startswith("nested-role-b-Child")
    ]
    assert nested and all(s.get("RoleARN") == role_arn for s in nested)


def test_without_a_service_role_a_nested_stack_passes_none(
    iam_sandbox: IamSandbox,
    operator_client: Callable[[str], Any],
    make_user: MakeUser,
) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="nested-norole-tpl")
    child = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    s3.put_object(Bucket="nested-norole-tpl", Key="c.json", Body=json.dumps(child).encode())
    url = f"{iam_sandbox.endpoint_url}/nested-norole-tpl/c.json"
    parent = {
        "Resources": {
            "Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}
        }
    }
    rest = {"Effect": "Allow", "Action": ["cloudformation:*", "sqs:*", "s3:GetObject"]}
    _, client = make_user([{**rest, "Resource": "*"}])
    cfn = client("cloudformation")
    cfn.create_stack(StackName="nested-norole", TemplateBody=json.dumps(parent))
    assert settled(cfn, "nested-norole")["StackStatus"] == "CREATE_COMPLETE", failures(
        cfn, "nested-norole"
    )


def test_a_parent_reads_its_nested_stacks_outputs(
    iam_sandbox: IamSandbox,
    operator_client: Callable[[str], Any],
    make_user: MakeUser,
) -> None:
    """`Fn::GetAtt [Child, Outputs.NAME]` (AWS::CloudFormation::Stack's return values): CDK
    reads a NestedStack's resources so; moto's model answered no attribute and the parent's
    resource failed ("does not support attribute type Outputs....")."""
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="nested-out-tpl")
    child = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"QueueName": {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}},
    }
    s3.put_object(Bucket="nested-out-tpl", Key="c.json", Body=json.dumps(child).encode())
    url = f"{iam_sandbox.endpoint_url}/nested-out-tpl/c.json"
    parent = {
        "Resources": {
            "Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}},
            "Param": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": "nested-out-name",
                    "Type": "String",
                    "Value": {"Fn::GetAtt": ["Child", "Outputs.QueueName"]},
                },
            },
        }
    }
    allowed = ["cloudformation:*", "sqs:*", "s3:GetObject", "ssm:*"]
    _, client = make_user([{"Effect": "Allow", "Action": allowed, "Resource": "*"}])
    cfn = client("cloudformation")
    cfn.create_stack(StackName="nested-out", TemplateBody=json.dumps(parent))
    assert settled(cfn, "nested-out")["StackStatus"] == "CREATE_COMPLETE", failures(
        cfn, "nested-out"
    )
    value = client("ssm").get_parameter(Name="nested-out-name")["Parameter"]["Value"]
    assert value.startswith("nested-out-Child")


def test_a_hosted_zones_name_servers_are_answered(
    operator_client: Callable[[str], Any],
) -> None:
    """`Fn::GetAtt [Zone, NameServers]` (a list AWS returns): moto's model answered no
    attribute, and an output reading it broke DescribeStacks (HTTP 500) (cdk-static-site)."""
    template = {
        "Resources": {
            "Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": "ns.example.org"}}
        },
        "Outputs": {
            "NameServers": {"Value": {"Fn::Join": [",", {"Fn::GetAtt": ["Zone", "NameServers"]}]}}
        },
    }
    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName="zone-ns", TemplateBody=json.dumps(template))
    stack = settled(cfn, "zone-ns")
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "zone-ns")
    [output] = stack["Outputs"]
    assert output["OutputValue"] and "," in output["OutputValue"]

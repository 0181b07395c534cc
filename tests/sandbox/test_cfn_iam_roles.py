"""A stack's IAM roles as CloudFormation makes them, and assumed like any principal.

CDK's bootstrap stack is the case in point: trust policies with `Fn::If ... AWS::NoValue`
statements, managed policies by ARN (AWS's own included), inline policies; the CLI then
assumes its deploy and publishing roles, each session enforced by the role's policies.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest

from autofix.testing import IamSandbox
from tests.sandbox.stacks import settled

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def _template(account: str, managed: list[Any], queue_actions: list[str]) -> dict[str, Any]:
    """A role trusted by the account (two trust statements are NoValue), as CDK writes them."""
    return {
        "Parameters": {"TrustedAccounts": {"Type": "CommaDelimitedList", "Default": ""}},
        "Conditions": {
            "HasTrusted": {
                "Fn::Not": [{"Fn::Equals": ["", {"Fn::Join": ["", {"Ref": "TrustedAccounts"}]}]}]
            }
        },
        "Resources": {
            "Extra": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "ManagedPolicyName": "stack-roles-extra",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*"}
                        ],
                    },
                },
            },
            "DeployRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": "stack-roles-deploy",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"AWS": {"Ref": "AWS::AccountId"}},
                            },
                            {
                                "Fn::If": [
                                    "HasTrusted",
                                    {
                                        "Effect": "Allow",
                                        "Action": "sts:AssumeRole",
                                        "Principal": {"AWS": {"Ref": "TrustedAccounts"}},
                                    },
                                    {"Ref": "AWS::NoValue"},
                                ]
                            },
                            {"Ref": "AWS::NoValue"},
                        ],
                    },
                    "ManagedPolicyArns": [*managed, {"Ref": "Extra"}],
                    "Policies": [
                        {
                            "PolicyName": "default",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {"Effect": "Allow", "Action": queue_actions, "Resource": "*"}
                                ],
                            },
                        }
                    ],
                },
            },
        },
    }


@pytest.fixture(scope="module")
def role_stack(iam_sandbox: IamSandbox) -> Iterator[str]:
    cfn = iam_sandbox.admin_session().client("cloudformation")
    body = json.dumps(_template(iam_sandbox.account_id, [READ_ONLY], ["sqs:ListQueues"]))
    cfn.create_stack(
        StackName="stack-roles", TemplateBody=body, Capabilities=["CAPABILITY_NAMED_IAM"]
    )
    assert settled(cfn, "stack-roles", tries=100)["StackStatus"] == "CREATE_COMPLETE"
    yield f"arn:aws:iam::{iam_sandbox.account_id}:role/stack-roles-deploy"
    cfn.delete_stack(StackName="stack-roles")
    _settled_or_gone(cfn, "stack-roles")


def _settled_or_gone(cfn: Any, name: str) -> None:
    with contextlib.suppress(botocore.exceptions.ClientError):
        settled(cfn, name, tries=100)


def test_a_trust_policy_keeps_no_statement_for_a_no_value(
    iam_sandbox: IamSandbox, role_stack: str
) -> None:
    iam = iam_sandbox.admin_session().client("iam")
    trust = iam.get_role(RoleName="stack-roles-deploy")["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"AWS": iam_sandbox.account_id},
        }
    ]


def test_managed_policy_arns_are_attached_aws_managed_ones_too(
    iam_sandbox: IamSandbox, role_stack: str
) -> None:
    iam = iam_sandbox.admin_session().client("iam")
    attached = iam.list_attached_role_policies(RoleName="stack-roles-deploy")["AttachedPolicies"]
    assert sorted(p["PolicyArn"] for p in attached) == [
        f"arn:aws:iam::{iam_sandbox.account_id}:policy/stack-roles-extra",
        READ_ONLY,
    ]
    document = iam.get_role_policy(RoleName="stack-roles-deploy", PolicyName="default")
    assert document["PolicyDocument"]["Statement"][0]["Action"] == ["sqs:ListQueues"]
    # an AWS managed policy is there for the API too, path and all
    got = iam.get_policy(PolicyArn=LAMBDA_BASIC)["Policy"]
    assert got["Arn"] == LAMBDA_BASIC
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicyAtAll")
    assert missing.value.response["Error"]["Code"] == "NoSuchEntity"


def _assume(session: Any, role_arn: str) -> Any:
    creds = session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="deploy")[
        "Credentials"
    ]
    return lambda service: session.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def test_the_roles_session_is_enforced_by_its_inline_and_managed_policies(
    iam_sandbox: IamSandbox, role_stack: str
) -> None:
    deployer = iam_sandbox.principal(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_stack}],
        }
    )
    as_role = _assume(deployer, role_stack)
    as_role("sqs").list_queues()  # the inline policy
    as_role("sns").list_topics()  # the customer managed policy
    as_role("s3").list_buckets()  # ReadOnlyAccess
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        as_role("sqs").create_queue(QueueName="not-granted")
    assert denied.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException")
    session = f"arn:aws:sts::{iam_sandbox.account_id}:assumed-role/stack-roles-deploy/deploy"
    assert [d.action for d in iam_sandbox.denials(session)] == ["sqs:CreateQueue"]


def test_assuming_the_role_needs_the_identity_policy_and_the_trust_policy(
    iam_sandbox: IamSandbox, role_stack: str
) -> None:
    nobody = iam_sandbox.principal(None)
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        _assume(nobody, role_stack)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert [(d.action, d.resource) for d in iam_sandbox.denials(nobody)] == [
        ("sts:AssumeRole", role_stack)
    ]
    # allowed by its own policy, but the other role trusts only a service
    iam = iam_sandbox.admin_session().client("iam")
    iam.create_role(
        RoleName="stack-roles-service-only",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                    }
                ],
            }
        ),
    )
    everything = iam_sandbox.principal(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
        }
    )
    untrusted = f"arn:aws:iam::{iam_sandbox.account_id}:role/stack-roles-service-only"
    with pytest.raises(botocore.exceptions.ClientError):
        _assume(everything, untrusted)
    _assume(everything, role_stack)


def test_a_stack_update_reattaches_and_rewrites_the_roles_policies(
    iam_sandbox: IamSandbox, role_stack: str
) -> None:
    cfn = iam_sandbox.admin_session().client("cloudformation")
    iam = iam_sandbox.admin_session().client("iam")
    body = json.dumps(_template(iam_sandbox.account_id, [LAMBDA_BASIC], ["sqs:GetQueueUrl"]))
    cfn.update_stack(
        StackName="stack-roles", TemplateBody=body, Capabilities=["CAPABILITY_NAMED_IAM"]
    )
    assert settled(cfn, "stack-roles", tries=100)["StackStatus"] == "UPDATE_COMPLETE"
    attached = iam.list_attached_role_policies(RoleName="stack-roles-deploy")["AttachedPolicies"]
    assert sorted(p["PolicyArn"] for p in attached) == [
        f"arn:aws:iam::{iam_sandbox.account_id}:policy/stack-roles-extra",
        LAMBDA_BASIC,
    ]
    document = iam.get_role_policy(RoleName="stack-roles-deploy", PolicyName="default")
    assert document["PolicyDocument"]["Statement"][0]["Action"] == ["sqs:GetQueueUrl"]

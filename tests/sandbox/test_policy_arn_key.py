"""The sandbox puts `iam:PolicyARN` in the managed-policy attach and detach requests' context,
as IAM does (Service Authorization Reference for IAM; IAM condition keys, ck_PolicyARN): a
deployer granted AttachRolePolicy bound to policy A cannot attach policy B, through a stack's
role (`ManagedPolicyArns`, one attach per policy) or a direct AttachRolePolicy request.
boto3 against a real sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from autofix.testing import IamSandbox
from tests.sandbox.stacks import failures, settled, trusting

ACCOUNT = "123456789012"
KEY = "iam:PolicyARN"
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamSandbox]:
    with IamSandbox.start(tmp_path_factory.mktemp("policy-arn")) as sandbox:
        iam = sandbox.admin_session().client("iam")
        iam.create_role(
            RoleName="app", AssumeRolePolicyDocument=json.dumps(trusting("lambda.amazonaws.com"))
        )
        yield sandbox


def _policy(*bound_to: str) -> dict[str, Any]:
    """Everything but the attach and detach of role policies; those, bound to `bound_to`."""
    verbs = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "NotAction": verbs, "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": verbs,
                "Resource": f"arn:aws:iam::{ACCOUNT}:role/*",
                "Condition": {"ArnLike": {KEY: list(bound_to)}},
            },
        ],
    }


def _role(*arns: str) -> str:
    props = {
        "AssumeRolePolicyDocument": trusting("lambda.amazonaws.com"),
        "ManagedPolicyArns": [
            {"Fn::Sub": a.replace(":aws:iam", ":${AWS::Partition}:iam")} for a in arns
        ],
    }
    return json.dumps(
        {"Resources": {"FunctionRole": {"Type": "AWS::IAM::Role", "Properties": props}}}
    )


def _deploy(account: IamSandbox, name: str, bound_to: tuple[str, ...], *arns: str) -> str:
    session = account.principal(_policy(*bound_to))
    cfn = session.client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=_role(*arns))
    status = str(settled(cfn, name)["StackStatus"])
    if status != "CREATE_COMPLETE":
        reasons = failures(cfn, name)
        assert any("iam:AttachRolePolicy" in r for r in reasons), reasons
        records = [r for r in account.denials(session) if r.action == "iam:AttachRolePolicy"]
        assert [json.loads(r.request_keys) for r in records] == [{KEY: [ADMIN]}]
    return status


def test_a_stack_attaches_the_policy_its_grant_is_bound_to(account: IamSandbox) -> None:
    assert _deploy(account, "basic", (BASIC,), BASIC) == "CREATE_COMPLETE"


def test_a_stack_cannot_attach_another_policy(account: IamSandbox) -> None:
    assert _deploy(account, "admin", (BASIC,), BASIC, ADMIN) == "ROLLBACK_COMPLETE"


def test_a_direct_request_carries_the_policy_arn(account: IamSandbox) -> None:
    session = account.principal(_policy(BASIC))
    iam = session.client("iam")
    iam.attach_role_policy(RoleName="app", PolicyArn=BASIC)
    with pytest.raises(ClientError, match="AccessDenied"):
        iam.attach_role_policy(RoleName="app", PolicyArn=ADMIN)
    iam.detach_role_policy(RoleName="app", PolicyArn=BASIC)
    [record] = [r for r in account.denials(session) if r.action == "iam:AttachRolePolicy"]
    assert json.loads(record.request_keys) == {KEY: [ADMIN]}

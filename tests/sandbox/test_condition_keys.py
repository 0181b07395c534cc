"""The sandbox puts iam:PassedToService and iam:PermissionsBoundary in a request's context,
and a policy's conditions on them decide as on AWS (boto3 against a real sandbox)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from autofix.testing import IamSandbox
from tests.sandbox.stacks import CLOUDFORMATION_TRUST, LAMBDA_TRUST, failures, settled

ACCOUNT = "123456789012"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/deploy-boundary"
ROLE_WRITES = [
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
]
ROLE_READS_AND_DELETE = ["iam:GetRole", "iam:GetRolePolicy", "iam:DeleteRole", "iam:List*"]


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamSandbox]:
    with IamSandbox.start(tmp_path_factory.mktemp("condition-keys")) as sandbox:
        admin = sandbox.admin_session().client("iam")
        admin.create_policy(
            PolicyName="deploy-boundary",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
                }
            ),
        )
        yield sandbox


def user(account: IamSandbox, statements: list[dict[str, Any]]) -> Callable[[str], Any]:
    principal = account.principal({"Version": "2012-10-17", "Statement": statements})
    return lambda service: principal.client(service)


def bounded_role_writes() -> dict[str, Any]:
    """The statement autofix writes with `[policy] permissions_boundary`."""
    return {
        "Effect": "Allow",
        "Action": ROLE_WRITES,
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/svc-*",
        "Condition": {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}},
    }


def denied(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value)


def test_a_role_without_the_boundary_cannot_be_created(account: IamSandbox) -> None:
    iam = user(account, [bounded_role_writes()])("iam")
    trust = json.dumps(LAMBDA_TRUST)
    message = denied(lambda: iam.create_role(RoleName="svc-free", AssumeRolePolicyDocument=trust))
    assert "is not authorized to perform: iam:CreateRole" in message
    other = f"arn:aws:iam::{ACCOUNT}:policy/other"
    message = denied(
        lambda: iam.create_role(
            RoleName="svc-other", AssumeRolePolicyDocument=trust, PermissionsBoundary=other
        )
    )
    assert "iam:CreateRole" in message
    iam.create_role(
        RoleName="svc-bounded", AssumeRolePolicyDocument=trust, PermissionsBoundary=BOUNDARY
    )
    statement = {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    iam.put_role_policy(RoleName="svc-bounded", PolicyName="p", PolicyDocument=policy)


def test_policies_are_written_only_on_roles_that_carry_the_boundary(account: IamSandbox) -> None:
    admin = account.admin_session().client("iam")
    trust = json.dumps(LAMBDA_TRUST)
    admin.create_role(RoleName="svc-legacy", AssumeRolePolicyDocument=trust)
    iam = user(account, [bounded_role_writes()])("iam")
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    message = denied(
        lambda: iam.put_role_policy(
            RoleName="svc-legacy", PolicyName="all", PolicyDocument=document
        )
    )
    assert "iam:PutRolePolicy on resource: arn:aws:iam::123456789012:role/svc-legacy" in message
    message = denied(
        lambda: iam.attach_role_policy(
            RoleName="svc-legacy", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        )
    )
    assert "iam:AttachRolePolicy" in message


def stack(function_role: str, suffix: str) -> str:
    return json.dumps(
        {
            "Resources": {
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "FunctionName": f"fn-{suffix}",
                        "Runtime": "python3.12",
                        "Handler": "index.handler",
                        "Code": {"ZipFile": "def handler(event, context):\n    return 1\n"},
                        "Role": function_role,
                    },
                }
            }
        }
    )


def pass_role_to(service: str) -> list[dict[str, Any]]:
    return [
        {"Effect": "Allow", "Action": ["cloudformation:*", "lambda:*"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/fn-role",
            "Condition": {"StringEquals": {"iam:PassedToService": service}},
        },
    ]


def test_a_function_passes_its_role_to_lambda(account: IamSandbox) -> None:
    admin = account.admin_session().client("iam")
    admin.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    role = f"arn:aws:iam::{ACCOUNT}:role/fn-role"

    to_states = user(account, pass_role_to("states.amazonaws.com"))("cloudformation")
    to_states.create_stack(StackName="pass-states", TemplateBody=stack(role, "states"))
    assert settled(to_states, "pass-states")["StackStatus"] == "ROLLBACK_COMPLETE"
    assert any("iam:PassRole on resource: " + role in r for r in failures(to_states, "pass-states"))

    to_lambda = user(account, pass_role_to("lambda.amazonaws.com"))("cloudformation")
    to_lambda.create_stack(StackName="pass-lambda", TemplateBody=stack(role, "lambda"))
    assert settled(to_lambda, "pass-lambda")["StackStatus"] == "CREATE_COMPLETE"


def test_a_stack_creates_a_role_with_the_boundary_under_a_bounded_policy(
    account: IamSandbox,
) -> None:
    statements = [
        {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
        {"Effect": "Allow", "Action": ROLE_READS_AND_DELETE, "Resource": "*"},
        bounded_role_writes(),
    ]
    cfn = user(account, statements)("cloudformation")

    def template(boundary: bool) -> str:
        props: dict[str, Any] = {
            "RoleName": f"svc-stack-{'b' if boundary else 'n'}",
            "AssumeRolePolicyDocument": LAMBDA_TRUST,
            "Policies": [
                {
                    "PolicyName": "logs",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
                        ],
                    },
                }
            ],
        }
        if boundary:
            props["PermissionsBoundary"] = BOUNDARY
        return json.dumps({"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": props}}})

    cfn.create_stack(StackName="role-unbounded", TemplateBody=template(False))
    assert settled(cfn, "role-unbounded")["StackStatus"] == "ROLLBACK_COMPLETE"
    assert any("iam:CreateRole" in r for r in failures(cfn, "role-unbounded"))
    stack_id = cfn.create_stack(StackName="role-bounded", TemplateBody=template(True))["StackId"]
    assert settled(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    cfn.delete_stack(StackName=stack_id)
    assert settled(cfn, stack_id)["StackStatus"] == "DELETE_COMPLETE"


QUEUE = json.dumps(
    {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "by-role"}}}}
)


def pass_stack_role_to(service: str, role: str) -> list[dict[str, Any]]:
    return [
        {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role,
            "Condition": {"StringEquals": {"iam:PassedToService": service}},
        },
    ]


def test_a_stack_role_is_passed_to_cloudformation(account: IamSandbox) -> None:
    admin = account.admin_session().client("iam")
    admin.create_role(
        RoleName="stack-exec", AssumeRolePolicyDocument=json.dumps(CLOUDFORMATION_TRUST)
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/stack-exec"

    to_lambda = account.principal(
        {"Version": "2012-10-17", "Statement": pass_stack_role_to("lambda.amazonaws.com", role)}
    )
    cfn = to_lambda.client("cloudformation")
    for call in (
        lambda: cfn.create_stack(StackName="role-to-lambda", TemplateBody=QUEUE, RoleARN=role),
        lambda: cfn.create_change_set(
            StackName="role-to-lambda", ChangeSetName="c", TemplateBody=QUEUE, RoleARN=role
        ),
    ):
        message = denied(call)
        assert "(AccessDenied)" in message
        assert f"is not authorized to perform: iam:PassRole on resource: {role}" in message
    [*_, record] = account.denials(to_lambda)
    assert (record.action, record.resource) == ("iam:PassRole", role)
    assert (record.operation, record.passed_to) == (
        "CreateChangeSet",
        "cloudformation.amazonaws.com",
    )
    # without the role the same caller may create the stack: only the pass is denied
    cfn.create_stack(StackName="role-to-lambda", TemplateBody=QUEUE)

    to_cfn = account.principal(
        {
            "Version": "2012-10-17",
            "Statement": pass_stack_role_to("cloudformation.amazonaws.com", role),
        }
    ).client("cloudformation")
    to_cfn.create_stack(StackName="role-to-cfn", TemplateBody=QUEUE, RoleARN=role)

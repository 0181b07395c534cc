"""Intent scoping: what reaches outside the deployment is refused unless `[guard] allow`s it."""

from __future__ import annotations

import pytest

from autofix.policy.document import Grant
from autofix.policy.guard import check
from autofix.policy.intent import Allowance, Namespace, outside

ACCOUNT = "123456789012"
IAM = f"arn:aws:iam::{ACCOUNT}"
DEPLOYER = f"{IAM}:user/autofix-deployer"


def ns(*allow: str, owned: tuple[str, ...] = ()) -> Namespace:
    return Namespace.of(ACCOUNT, ["autofix-demo", "sam-app"], allow).widened(owned=owned)


OUTSIDE = [
    ("iam:CreateAccessKey", f"{IAM}:user/admin"),
    ("iam:CreateAccessKey", f"{IAM}:user/autofix-demo-ci"),  # credentials: even its own
    ("iam:CreateLoginProfile", f"{IAM}:user/admin"),
    ("iam:AttachUserPolicy", f"{IAM}:user/admin"),
    ("iam:CreateUser", f"{IAM}:user/backdoor"),
    ("iam:PutRolePolicy", f"{IAM}:role/admin"),
    ("iam:UpdateAssumeRolePolicy", f"{IAM}:role/admin"),
    ("iam:CreatePolicyVersion", f"{IAM}:policy/other"),
    ("iam:PassRole", f"{IAM}:role/admin"),
    ("iam:AddUserToGroup", f"{IAM}:group/Admins"),
    ("sts:AssumeRole", f"{IAM}:role/OrganizationAccountAccessRole"),
    ("sts:AssumeRole", "arn:aws:iam::210987654321:role/deploy"),
    ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:210987654321:function:autofix-demo-x"),
    ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:*"),
    ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod"),
    ("kms:Decrypt", "*"),
    ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:210987654321:secret:x"),
    ("iam:GetRole", "arn:aws:iam::210987654321:role/deploy"),  # another account's principal
    ("s3:GetObject", "arn:aws:s3:::*"),
    ("s3:PutBucketPolicy", "arn:aws:s3:::*"),
    ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/*"),
    ("organizations:LeaveOrganization", "*"),
    ("organizations:DescribeOrganization", "*"),
]
INSIDE = [
    ("iam:CreateRole", f"{IAM}:role/autofix-demo-*-us-east-1-lambdaRole"),
    ("iam:PassRole", f"{IAM}:role/sam-app-HelloWorldFunctionRole-*"),
    ("iam:PutRolePolicy", f"{IAM}:role/AUTOFIX-DEMO-dev-role"),  # names match in any case
    ("iam:GetRole", f"{IAM}:role/admin"),  # reading is not reaching
    ("iam:ListRoles", "*"),
    ("iam:CreateServiceLinkedRole", f"{IAM}:role/aws-service-role/ecs.amazonaws.com/X"),
    ("iam:GetPolicy", "arn:aws:iam::aws:policy/AdministratorAccess"),
    ("s3:GetObject", "arn:aws:s3:::autofix-demo-*-serverlessdeploymentbucket-*/*"),
    ("s3:PutObject", "arn:aws:s3:::*"),  # not data access: the unscoped rule of escalations
    ("ssm:GetParameter", "arn:aws:ssm:us-east-1::parameter/aws/service/ami"),
    ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/p"),  # `${ssm:/p}`
    ("s3:GetObject", "arn:aws:s3:::some-artifacts/*"),
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234"),
    ("lambda:CreateFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo-*"),
    # a public layer of another account a function names (AWS asks for it on the layer)
    ("lambda:GetLayerVersion", "arn:aws:lambda:us-east-1:017000801446:layer:Powertools:61"),
]


@pytest.mark.parametrize(("action", "resource"), OUTSIDE)
def test_outside_the_deployment(action: str, resource: str) -> None:
    assert outside(action, resource, ns()) is not None


@pytest.mark.parametrize(("action", "resource"), INSIDE)
def test_inside_the_deployment(action: str, resource: str) -> None:
    assert outside(action, resource, ns()) is None


def test_a_name_the_stacks_own_is_inside() -> None:
    role = f"{IAM}:role/cdk-hnb659fds-deploy-role-{ACCOUNT}-us-east-1"
    assert outside("sts:AssumeRole", role, ns()) is not None
    owned = ns(owned=(f"cdk-hnb659fds-deploy-role-{ACCOUNT}-us-east-1",))
    assert outside("sts:AssumeRole", role, owned) is None
    # generalised (the account made `*`), it is still most of the owned name
    general = f"{IAM}:role/cdk-hnb659fds-deploy-role-*-us-east-1"
    assert outside("sts:AssumeRole", general, owned) is None
    # a wildcard that could be any role starting alike is not
    assert outside("sts:AssumeRole", f"{IAM}:role/cdk-*", owned) is not None


def test_a_secret_the_stacks_own_is_read_as_theirs() -> None:
    secret = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:cdk-hnb659fds-db-*"
    assert outside("secretsmanager:GetSecretValue", secret, ns()) is not None
    owned = ns(owned=("cdk-hnb659fds-db",))
    assert outside("secretsmanager:GetSecretValue", secret, owned) is None


def test_the_guard_refuses_with_the_config_key_that_allows_it() -> None:
    report = check([Grant("iam:PutRolePolicy", f"{IAM}:role/admin")], DEPLOYER, namespace=ns())
    [refusal] = report.refusals
    assert refusal.rule == "outside-intent" and refusal.overridable
    assert "[guard] allow" in refusal.message and "role admin" in refusal.message


def test_guard_allow_lets_it_through_flagged() -> None:
    allowed = ns(f"iam:PutRolePolicy on {IAM}:role/admin")
    report = check([Grant("iam:PutRolePolicy", f"{IAM}:role/admin")], DEPLOYER, namespace=allowed)
    assert report.ok
    assert any("allowed by [guard] allow" in f.risk for f in report.flags)


def test_an_allowance_covers_only_its_action_and_resource() -> None:
    allowance = Allowance.parse(f"iam:Put*Policy on {IAM}:role/admin*")
    assert allowance.covers("iam:PutRolePolicy", f"{IAM}:role/admin")
    assert allowance.covers("IAM:PUTROLEPOLICY", f"{IAM}:role/admin-2")
    assert not allowance.covers("iam:AttachRolePolicy", f"{IAM}:role/admin")
    assert not allowance.covers("iam:PutRolePolicy", f"{IAM}:role/other")
    assert Allowance.parse("organizations:DescribeOrganization").covers(
        "organizations:DescribeOrganization", "*"
    )


def test_without_a_namespace_the_guard_is_as_before() -> None:
    report = check([Grant("iam:PutRolePolicy", f"{IAM}:role/admin")], DEPLOYER)
    assert report.ok and report.flags


def test_data_access_on_every_resource_is_flagged_without_a_namespace() -> None:
    report = check([Grant("secretsmanager:GetSecretValue", "*")], DEPLOYER)
    assert any("reads secrets" in f.risk for f in report.flags)

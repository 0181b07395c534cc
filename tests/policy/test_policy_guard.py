import pytest

from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.guard import GuardRefusal, check, check_document
from autofix.policy.scope import ScopedGrant

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/deployer"
LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT}:role/autofix-demo-dev-us-east-1-lambdaRole"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo-dev-hello"


@pytest.mark.parametrize("action", ["*", "*:*", "iam:*", "IAM:*", "sts:*", "*:GetObject"])
def test_never_granted_actions_are_refused_whatever_the_resource(action: str) -> None:
    report = check([Grant(action, LAMBDA_ROLE)], USER, allow_self_edit=True)
    assert [r.rule for r in report.refusals] == ["never-grant"]
    assert not report.refusals[0].overridable


ESCALATIONS = [
    "iam:PassRole",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateAssumeRolePolicy",
    "sts:AssumeRole",
    "iam:Put*",
    "iam:Attach*",
]


@pytest.mark.parametrize("action", ESCALATIONS)
@pytest.mark.parametrize(
    "resource", ["*", f"arn:aws:iam::{ACCOUNT}:role/*", f"arn:aws:iam::{ACCOUNT}:*"]
)
def test_escalation_actions_are_refused_on_unscoped_resources(action: str, resource: str) -> None:
    report = check([Grant(action, resource)], None)
    assert [r.rule for r in report.refusals] == ["escalation-unscoped"]
    with pytest.raises(GuardRefusal) as caught:
        report.raise_if_refused()
    assert caught.value.exit_code == 3
    assert action in str(caught.value)


@pytest.mark.parametrize("action", ESCALATIONS)
def test_escalation_actions_on_scoped_resources_are_flagged_with_why(action: str) -> None:
    note = "denied on " + LAMBDA_ROLE
    report = check([ScopedGrant(Grant(action, LAMBDA_ROLE), note)], USER)
    assert report.ok
    [flag] = report.flags
    assert flag.risk and flag.needed_for == note


def test_update_function_code_is_an_escalation_only_with_pass_role() -> None:
    alone = check([Grant("lambda:UpdateFunctionCode", "*")], USER)
    assert alone.ok and not alone.flags
    together = check(
        [Grant("lambda:UpdateFunctionCode", "*"), Grant("iam:PassRole", LAMBDA_ROLE)], USER
    )
    assert [r.action for r in together.refusals] == ["lambda:UpdateFunctionCode"]
    scoped = check(
        [Grant("lambda:UpdateFunctionCode", FUNCTION), Grant("iam:PassRole", LAMBDA_ROLE)], USER
    )
    assert scoped.ok
    assert {f.action for f in scoped.flags} == {"lambda:UpdateFunctionCode", "iam:PassRole"}


@pytest.mark.parametrize(
    ("deployer", "grant"),
    [
        (USER, Grant("iam:PutUserPolicy", f"arn:aws:iam::{ACCOUNT}:user/deploy*")),
        (USER, Grant("iam:AttachUserPolicy", USER)),
        (USER, Grant("iam:CreateAccessKey", USER)),
        (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/autofix-deployer/session-1",
            Grant("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/autofix-*"),
        ),
        (USER, Grant("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/autofix-*")),
    ],
)
def test_self_edit_is_refused_unless_allowed(deployer: str, grant: Grant) -> None:
    attached = [f"arn:aws:iam::{ACCOUNT}:policy/autofix-discovered"]
    report = check([grant], deployer, deployer_attached=attached)
    assert [r.rule for r in report.refusals] == ["self-edit"]
    assert report.refusals[0].overridable
    assert "--allow-self-edit" in report.refusals[0].message
    allowed = check([grant], deployer, allow_self_edit=True, deployer_attached=attached)
    assert allowed.ok
    assert any("own permissions" in f.risk for f in allowed.flags)


def test_permissions_on_other_roles_are_not_self_edit() -> None:
    report = check([Grant("iam:PutRolePolicy", LAMBDA_ROLE)], USER)
    assert report.ok
    assert [f.action for f in report.flags] == ["iam:PutRolePolicy"]


def test_ordinary_grants_pass_silently() -> None:
    objects = "arn:aws:s3:::my-service-artifacts/*"
    report = check([Grant("s3:GetObject", objects), Grant("lambda:GetFunction", FUNCTION)], USER)
    assert report.ok and not report.flags


def test_reading_every_object_is_flagged() -> None:
    # issue 22: data access on every resource of its type is no ordinary grant
    report = check([Grant("s3:GetObject", "*")], USER)
    assert report.ok and [f.action for f in report.flags] == ["s3:GetObject"]


def test_verbatim_statements_are_guarded_too() -> None:
    doc = PolicyDocument(
        verbatim=(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Condition": {}},
            {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
        )
    )
    report = check_document(doc, USER)
    assert sorted(r.rule for r in report.refusals) == ["escalation-unscoped", "never-grant"]


@pytest.mark.parametrize(
    ("resource", "refused"),
    [
        ("*", True),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*", True),
        ("arn:aws:ec2:us-east-1::image/*", False),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/*", False),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/*", False),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:network-interface/*", False),
    ],
)
def test_run_instances_escalates_through_the_instance_not_the_image(
    resource: str, refused: bool
) -> None:
    """RunInstances with iam:PassRole escalates through the role the instance gets (its
    instance profile): refused unscoped on `*` and on instances; on an AMI, a subnet, a
    security group it is flagged, not refused (issue 18: AWS::EKS::Nodegroup and
    AWS::EC2::SpotFleet stopped on `image/*`)."""
    deployer = f"arn:aws:iam::{ACCOUNT}:user/deployer"
    grants = [
        Grant("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-nodes"),
        Grant("ec2:RunInstances", resource),
    ]
    report = check(grants, deployer)
    assert bool(report.refusals) is refused
    if not refused:
        assert [f.action for f in report.flags] == ["iam:PassRole", "ec2:RunInstances"]

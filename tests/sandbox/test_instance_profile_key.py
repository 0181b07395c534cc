"""The sandbox puts a launch's `ec2:InstanceProfile` in RunInstances's request context on the
instance, as AWS does: a grant bound to another profile is denied, one bound to the profile
the launch template names is allowed, and a launch naming none meets `Null: true` only
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-iam-roles).
boto3 against a real sandbox: an Auto Scaling group from a launch template."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from autofix.testing import IamSandbox
from tests.sandbox.stacks import failures, settled, trusting

ACCOUNT = "123456789012"
EC2 = f"arn:aws:ec2:us-east-1:{ACCOUNT}"
KEY = "ec2:InstanceProfile"


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamSandbox]:
    with IamSandbox.start(tmp_path_factory.mktemp("instance-profile")) as sandbox:
        iam = sandbox.admin_session().client("iam")
        trust = json.dumps(trusting("ec2.amazonaws.com"))
        iam.create_role(RoleName="web", AssumeRolePolicyDocument=trust)
        for name in ("web-profile", "other-profile"):
            iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="web")
        yield sandbox


def _policy(condition: dict[str, Any]) -> dict[str, Any]:
    """Everything but RunInstances on instances; that, under `condition`."""
    uses = ["launch-template/*", "security-group/*", "subnet/*", "volume/*", "network-interface/*"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "NotAction": "ec2:RunInstances", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "ec2:RunInstances",
                "Resource": [f"{EC2}:{u}" for u in uses] + ["arn:aws:ec2:us-east-1::image/*"],
            },
            {
                "Effect": "Allow",
                "Action": "ec2:RunInstances",
                "Resource": f"{EC2}:instance/*",
                "Condition": condition,
            },
        ],
    }


def _group(profile: str | None) -> str:
    data: dict[str, Any] = {"ImageId": "ami-0ac394d6a3e0a0b1c", "InstanceType": "t3.micro"}
    if profile:
        data["IamInstanceProfile"] = {"Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{profile}"}
    template = {
        "Resources": {
            "Template": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Properties": {"LaunchTemplateData": data},
            },
            "Fleet": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {
                    "MinSize": "1",
                    "MaxSize": "1",
                    "AvailabilityZones": ["us-east-1a"],
                    "LaunchTemplate": {
                        "LaunchTemplateId": {"Ref": "Template"},
                        "Version": {"Fn::GetAtt": ["Template", "LatestVersionNumber"]},
                    },
                },
            },
        }
    }
    return json.dumps(template)


def _bound_to(profile: str) -> dict[str, Any]:
    return {"ArnLike": {KEY: f"arn:aws:iam::{ACCOUNT}:instance-profile/{profile}"}}


def _deploy(account: IamSandbox, name: str, condition: dict[str, Any], profile: str | None) -> str:
    session = account.principal(_policy(condition))
    cfn = session.client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=_group(profile))
    status = str(settled(cfn, name)["StackStatus"])
    if status != "CREATE_COMPLETE":
        reasons = failures(cfn, name)
        assert any(f"ec2:RunInstances on resource: {EC2}:instance/*" in r for r in reasons), reasons
        [record] = [r for r in account.denials(session) if r.action == "ec2:RunInstances"]
        told = json.loads(record.request_keys)
        expected = [f"arn:aws:iam::{ACCOUNT}:instance-profile/{profile}"] if profile else []
        assert told == {KEY: expected}
    return status


def test_a_grant_bound_to_another_profile_is_denied(account: IamSandbox) -> None:
    assert _deploy(account, "other", _bound_to("other-profile"), "web-profile") == (
        "ROLLBACK_COMPLETE"
    )


def test_a_grant_bound_to_the_launch_templates_profile_is_allowed(account: IamSandbox) -> None:
    assert _deploy(account, "web", _bound_to("web-*"), "web-profile") == "CREATE_COMPLETE"


def test_a_launch_with_no_profile_meets_null_only(account: IamSandbox) -> None:
    assert _deploy(account, "bare-a", _bound_to("web-*"), None) == "ROLLBACK_COMPLETE"
    assert _deploy(account, "bare-b", {"Null": {KEY: "true"}}, None) == "CREATE_COMPLETE"
    null = {"Null": {KEY: "true"}}
    assert _deploy(account, "bare-c", null, "web-profile") == "ROLLBACK_COMPLETE"


def test_if_exists_meets_the_profile_and_none_only(account: IamSandbox) -> None:
    """A policy with a launch naming a profile and one naming none: `ArnLikeIfExists`."""
    either = {"ArnLikeIfExists": {KEY: f"arn:aws:iam::{ACCOUNT}:instance-profile/web-*"}}
    assert _deploy(account, "either-a", either, None) == "CREATE_COMPLETE"
    assert _deploy(account, "either-b", either, "web-profile") == "CREATE_COMPLETE"
    assert _deploy(account, "either-c", either, "other-profile") == "ROLLBACK_COMPLETE"

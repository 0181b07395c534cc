"""A group launching from its template's own launch template is predicted RunInstances on
what the launch uses, with the instance profile the sandbox will tell (ec2:InstanceProfile),
and the predictor grants them ahead (bound on instance/*, as the guard reads it)."""

from __future__ import annotations

from autofix.policy.arn_formats import Place as ArnPlace
from autofix.predict.predictor import _safe
from autofix.predict.stack_templates import parse
from autofix.predict.template import Place, generated_patterns, predict

ACCOUNT = "123456789012"
PLACE = Place("web-fleet", ArnPlace(ACCOUNT, "us-east-1"))
EC2 = f"arn:aws:ec2:us-east-1:{ACCOUNT}"
PROFILE = f"arn:aws:iam::{ACCOUNT}:instance-profile/web-fleet-InstanceProfile-*"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/web-fleet-InstanceRole-*"

# a fresh template: an Auto Scaling group from a launch template naming an instance profile
# (tests/e2e/test_launch_template_run.py deploys it, with an instance added)
BODY = """
Resources:
  InstanceRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}
  InstanceProfile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      Roles: [!Ref InstanceRole]
  WebSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web-fleet instances
  LaunchTemplate:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        ImageId: ami-0ac394d6a3e0a0b1c
        InstanceType: t3.micro
        IamInstanceProfile: { Arn: !GetAtt InstanceProfile.Arn }
        SecurityGroupIds: [!GetAtt WebSecurityGroup.GroupId]
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "1"
      MaxSize: "2"
      AvailabilityZones: [us-east-1a]
      LaunchTemplate:
        LaunchTemplateId: !Ref LaunchTemplate
        Version: !GetAtt LaunchTemplate.LatestVersionNumber
"""


def _fleet(body: str = BODY) -> list[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]]]:
    template = parse(body)
    assert template is not None
    groups = [g for g in predict(template, PLACE, ("create",)) if g.call.logical_id == "Fleet"]
    return [(r.action, r.resource, r.keys) for g in groups for r in g.requirements]


def test_the_launch_of_the_templates_own_launch_template_is_predicted() -> None:
    found = {(r, keys) for action, r, keys in _fleet() if action == "ec2:RunInstances"}
    assert {resource for resource, _ in found} == {
        f"{EC2}:launch-template/*",
        "arn:aws:ec2:us-east-1::image/ami-0ac394d6a3e0a0b1c",
        f"{EC2}:security-group/sg-*",
        f"{EC2}:subnet/*",
        f"{EC2}:instance/*",
        f"{EC2}:volume/*",
        f"{EC2}:network-interface/*",
    }
    # the instance carries the profile the launch template names, its generated name's tail *
    assert (f"{EC2}:instance/*", (("ec2:InstanceProfile", (PROFILE,)),)) in found


def test_the_profiles_role_is_predicted_passed_to_ec2() -> None:
    passed = [(r, k) for action, r, k in _fleet() if action == "iam:PassRole"]
    assert (ROLE, (("iam:PassedToService", ("ec2.amazonaws.com",)),)) in passed


def test_a_profile_less_launch_template_is_predicted_absent() -> None:
    body = BODY.replace("        IamInstanceProfile: { Arn: !GetAtt InstanceProfile.Arn }\n", "")
    found = [(r, k) for action, r, k in _fleet(body) if r == f"{EC2}:instance/*"]
    assert found == [(f"{EC2}:instance/*", (("ec2:InstanceProfile", ()),))]


def test_two_launch_templates_a_group_names_leave_its_launch_untold() -> None:
    body = BODY.replace(
        "      AvailabilityZones: [us-east-1a]\n",
        "      AvailabilityZones: [us-east-1a]\n      Tags:\n"
        "        - {Key: other, Value: !Ref Other, PropagateAtLaunch: false}\n",
    ).replace(
        "  Fleet:\n",
        "  Other:\n    Type: AWS::EC2::LaunchTemplate\n"
        "    Properties: {LaunchTemplateData: {ImageId: ami-1}}\n  Fleet:\n",
    )
    instance = [k for action, r, k in _fleet(body) if r == f"{EC2}:instance/*"]
    assert instance == [()]  # which template `*` is, is not known: no key told


def test_runinstances_is_predicted_where_no_escalation_flows_or_bound() -> None:
    template = parse(BODY)
    assert template is not None
    names = generated_patterns(template, PLACE)
    bound = (("ec2:InstanceProfile", (PROFILE,)),)
    assert _safe("ec2:RunInstances", f"{EC2}:volume/*", names)  # carries no role
    assert _safe("ec2:RunInstances", f"{EC2}:instance/*", names, bound)
    assert _safe("ec2:RunInstances", f"{EC2}:instance/*", names, (("ec2:InstanceProfile", ()),))
    assert not _safe("ec2:RunInstances", f"{EC2}:instance/*", names)  # unbound
    every = (("ec2:InstanceProfile", (f"arn:aws:iam::{ACCOUNT}:instance-profile/*",)),)
    assert not _safe("ec2:RunInstances", f"{EC2}:instance/*", names, every)
    assert not _safe("ec2:RunInstances", "*", names, bound)

"""A fresh, very common template: an Auto Scaling group launched from a launch template that
names an instance profile (and an instance with that profile). `autofix run` converges and
verifies: ec2:RunInstances is granted on what the launch uses, never on `*`, its
`instance/*` grant bound by `ec2:InstanceProfile` to the stack's profile (the guard refuses
it unbound), iam:PassRole on the stack's role alone. Before, the run stopped at once: the
group demanded RunInstances on `*`, which the guard refuses.

EC2 Auto Scaling checks the caller's RunInstances (and PassRole on the profile's role):
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html;
ec2:InstanceProfile on the instance:
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-iam-roles.
The real AWS CLI on the embedded sandbox."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AWS, read_json, run_autofix, write_config
from tests.predict.test_launch_prediction import BODY as FLEET

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
# the predictor's test's template (a group launched from a launch template that names an
# instance profile), and an instance with that profile
TEMPLATE = (
    'AWSTemplateFormatVersion: "2010-09-09"\n'
    + FLEET.lstrip("\n")
    + """\
  Bastion:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0ac394d6a3e0a0b1c
      InstanceType: t3.micro
      IamInstanceProfile: !Ref InstanceProfile
"""
)


def _statements(policy: Any, action: str) -> list[dict[str, Any]]:
    found = []
    for statement in policy["Statement"]:
        actions = statement["Action"]
        if action in ([actions] if isinstance(actions, str) else actions):
            found.append(statement)
    return found


def _resources(statement: dict[str, Any]) -> list[str]:
    resource = statement["Resource"]
    return [resource] if isinstance(resource, str) else list(resource)


def test_a_launch_template_fleet_converges_with_run_instances_bound(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    deploy = (
        f"{AWS} cloudformation deploy --stack-name web-fleet --template-file template.yaml"
        " --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset"
    )
    delete = (
        f"{AWS} cloudformation delete-stack --stack-name web-fleet && {AWS} cloudformation"
        " wait stack-delete-complete --stack-name web-fleet"
    )
    config = write_config(
        tmp_path,
        f"""
        [principal]
        type = "user"
        name = "web-fleet-deployer"
        policy = "managed"
        [loop]
        max_attempts = 60
        [[steps]]
        name = "deploy"
        run = "{deploy}"
        timeout = 900
        [[steps]]
        name = "delete"
        run = "{delete}"
        timeout = 900
        """,
    )
    result = run_autofix("run", "--strategy", "predict", "--config", str(config), timeout=1200)
    assert result.exit_code == 0, result.output[-3000:]
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["verified"] is True
    # the launch is predicted from the template's own launch template and profile: no
    # attempt is denied RunInstances (before, each launch resource cost one: 16 attempts;
    # the rest are the CLI's own calls, `python -m awscli` not being read ahead)
    assert "denied ec2:RunInstances" not in result.output
    assert summary["attempts_total"] <= 10, summary["steps"]
    policy = read_json(tmp_path / ".autofix" / "policy.json")

    runs = _statements(policy, "ec2:RunInstances")
    on = [r for s in runs for r in _resources(s)]
    assert "*" not in on
    instance = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"
    [instances] = [s for s in runs if instance in _resources(s)]
    profile = f"arn:aws:iam::{ACCOUNT}:instance-profile/web-fleet-InstanceProfile-*"
    assert instances["Condition"] == {"ArnLike": {"ec2:InstanceProfile": profile}}
    assert f"arn:aws:ec2:us-east-1:{ACCOUNT}:launch-template/*" in on
    assert "arn:aws:ec2:us-east-1::image/*" in on

    passes = [r for s in _statements(policy, "iam:PassRole") for r in _resources(s)]
    assert passes == [f"arn:aws:iam::{ACCOUNT}:role/web-fleet-InstanceRole-*"]

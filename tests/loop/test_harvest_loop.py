"""Harvesting through the CLI: every channel, several resources in one attempt, other
principals, explicit denies. Steps are real AWS CLI calls on the embedded sandbox."""

from __future__ import annotations

import json
from pathlib import Path

from autofix.records.events import (
    DenialFound,
    DenialOtherPrincipal,
    GrantAdded,
    PolicyApplied,
    StackRecovered,
)
from tests.conftest import AWS, read_json
from tests.loop.scaffold import (
    ACCOUNT,
    CLOUDFORMATION_ANYWHERE,
    create_stack,
    events,
    run_steps,
    start_policy,
    summary,
    template,
)

CFN_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudformation.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def test_several_resources_failing_together_are_granted_in_one_attempt(tmp_path: Path) -> None:
    body = template(
        tmp_path,
        {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "together"}},
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/together"}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "together"}},
        },
    )
    start_policy(tmp_path, CLOUDFORMATION_ANYWHERE)
    result = run_steps(tmp_path, ("stack", create_stack("together", body)), start=True)
    assert result.exit_code == 0, result.output
    first = [e for e in events(tmp_path, GrantAdded) if e.attempt == 1]
    first_actions = {e.action for e in first}
    assert {"sns:CreateTopic", "logs:CreateLogGroup", "sqs:CreateQueue"} <= first_actions
    assert {e.source for e in first} == {"stack-events"}
    found = [e for e in events(tmp_path, DenialFound) if e.attempt == 1]
    assert {e.source for e in found} == {"stack-events"}
    # the failed stack was deleted by the operator before the next attempt
    recovered = events(tmp_path, StackRecovered)
    assert recovered[0].stack == "together" and recovered[0].action == "deleted"
    assert recovered[0].status == "ROLLBACK_COMPLETE"


def test_an_encoded_message_is_decoded_and_granted(tmp_path: Path) -> None:
    command = f"{AWS} ec2 create-security-group --group-name web --description web"
    result = run_steps(tmp_path, ("sg", command))
    assert result.exit_code == 0, result.output
    found = events(tmp_path, DenialFound)
    assert [(e.action, e.source) for e in found] == [("ec2:CreateSecurityGroup", "decoded")]
    assert summary(tmp_path)["steps"][0]["actions"] == ["ec2:CreateSecurityGroup"]


def test_an_explicit_deny_in_the_start_policy_stops_the_step(tmp_path: Path) -> None:
    start_policy(
        tmp_path,
        {"Effect": "Allow", "Action": "sns:*", "Resource": "*"},
        {"Sid": "NoTopics", "Effect": "Deny", "Action": "sns:CreateTopic", "Resource": "*"},
    )
    result = run_steps(tmp_path, ("topic", f"{AWS} sns create-topic --name denied"), start=True)
    assert result.exit_code == 1, result.output
    ran = summary(tmp_path)
    assert ran["reason"] == (
        "sns:CreateTopic is denied by an explicit deny (explicit-identity); a grant cannot fix that"
    )
    assert ran["attempts_total"] == 1
    assert not events(tmp_path, GrantAdded)


def _service_role_step(tmp_path: Path) -> str:
    body = template(
        tmp_path, {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "by-role"}}}
    )
    (tmp_path / "trust.json").write_text(CFN_TRUST)
    return (
        f"({AWS} iam create-role --role-name cfn-exec --assume-role-policy-document "
        f"file://{tmp_path / 'trust.json'} > /dev/null 2>&1 || true)"
        f" && {AWS} cloudformation create-stack --stack-name by-role --template-body {body}"
        f" --role-arn arn:aws:iam::{ACCOUNT}:role/cfn-exec"
        f" && {AWS} cloudformation wait stack-create-complete --stack-name by-role"
    )


def _deployer_can_pass_the_role(tmp_path: Path) -> None:
    start_policy(
        tmp_path,
        # the guard refuses CreateChangeSet beside PassRole on "*": scoped to the stack
        {
            "Effect": "Allow",
            "Action": "cloudformation:*",
            "Resource": f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/by-role/*",
        },
        {"Effect": "Allow", "Action": "iam:CreateRole", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/cfn-exec",
        },
    )


def test_a_service_role_denial_is_not_granted_to_the_deployer(tmp_path: Path) -> None:
    _deployer_can_pass_the_role(tmp_path)
    result = run_steps(tmp_path, ("by-role", _service_role_step(tmp_path)), start=True)
    assert result.exit_code == 1, result.output
    reason = summary(tmp_path)["reason"]
    role_session = f"arn:aws:sts::{ACCOUNT}:assumed-role/cfn-exec/AWSCloudFormation"
    assert f"was denied to {role_session}, which is not the deployer" in reason
    assert "principal.also_manage" in reason
    assert not events(tmp_path, GrantAdded)
    [other] = events(tmp_path, DenialOtherPrincipal)
    assert other.principal == role_session and other.source == "stack-events"


def test_a_managed_service_role_gets_its_own_policy(tmp_path: Path) -> None:
    _deployer_can_pass_the_role(tmp_path)
    result = run_steps(
        tmp_path,
        ("by-role", _service_role_step(tmp_path)),
        head='[principal]\nalso_manage = ["role/cfn-exec"]',
        start=True,
    )
    assert result.exit_code == 0, result.output
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/cfn-exec"
    grants = events(tmp_path, GrantAdded)
    assert grants and {g.principal for g in grants} == {role_arn}
    assert "sqs:CreateQueue" in {g.action for g in grants}
    role_policy = read_json(tmp_path / ".autofix" / "policy-cfn-exec.json")
    role_actions = {a for s in role_policy["Statement"] for a in s["Action"]}
    assert "sqs:CreateQueue" in role_actions
    deployer_policy = read_json(tmp_path / ".autofix" / "policy.json")
    assert not any(a.startswith("sqs:") for s in deployer_policy["Statement"] for a in s["Action"])
    applied = [e for e in events(tmp_path, PolicyApplied) if e.principal == role_arn]
    assert applied and applied[0].name.endswith(":policy/autofix-discovered-cfn-exec")

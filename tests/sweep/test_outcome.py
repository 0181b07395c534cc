"""Reading a run's files into per-type records: star demands, star grants, their owners."""

from __future__ import annotations

from pathlib import Path

from scripts.cfn_sweep.admin import Failure
from scripts.cfn_sweep.outcome import (
    attribute,
    fallback_tier,
    last_denials,
    star_demands,
    star_grants,
)
from scripts.cfn_sweep.stack import RunFiles
from scripts.cfn_sweep.sweeper import blame, culprits, references
from scripts.cfn_sweep.table import failure_class, named_actions
from scripts.cfn_sweep.template import Swept, build


def test_star_demands_are_refusals_and_denials_on_star_never_granted() -> None:
    ledger = [
        {"event": "guard_refused", "refusals": [{"action": "iam:PassRole", "resource": "*"}]},
        {"event": "guard_refused", "refusals": [{"action": "iam:PassRole", "resource": "x"}]},
        {"event": "denial_found", "action": "kms:Decrypt", "resource": "*"},
        {"event": "denial_found", "action": "sqs:CreateQueue", "resource": "*"},
        {"event": "grant_added", "action": "sqs:CreateQueue", "resource": "*"},
        {"event": "denial_found", "action": "sns:Publish", "resource": "arn:aws:sns:x"},
        {"event": "denial_found", "action": "ec2:CreateTags", "resource": "*"},
        {"event": "grant_added", "action": "ec2:CreateTags", "resource": "arn:aws:ec2:x"},
    ]
    assert star_demands(ledger) == ["ec2:CreateTags", "iam:PassRole", "kms:Decrypt"]


def test_star_grants_are_the_policy_actions_on_star() -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": ["logs:DescribeLogGroups"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": ["arn:x", "*"]},
            {"Effect": "Allow", "Action": ["sqs:CreateQueue"], "Resource": "arn:aws:sqs:x"},
        ]
    }
    assert star_grants(policy) == ["iam:PassRole", "logs:DescribeLogGroups"]


def test_a_shared_stack_grant_goes_to_the_type_whose_schema_or_helper_lists_it() -> None:
    swept = [
        Swept("AWS::Logs::LogGroup", "LogsLogGroup", None),
        Swept("AWS::ElasticLoadBalancingV2::LoadBalancer", "Lb", None),
    ]
    helpers = {"Lb": ["AWS::EC2::Subnet", "AWS::EC2::VPC"], "LogsLogGroup": []}
    shares = attribute(["logs:DescribeLogGroups", "ec2:CreateVpc", "x:Unknown"], swept, helpers)
    assert shares["AWS::Logs::LogGroup"] == ["logs:DescribeLogGroups", "x:Unknown"]
    assert shares["AWS::ElasticLoadBalancingV2::LoadBalancer"] == ["ec2:CreateVpc", "x:Unknown"]


def test_a_failed_helper_is_blamed_on_the_types_that_need_it() -> None:
    templates = build(["AWS::Lambda::Function", "AWS::SQS::Queue"])
    lambda_id = templates.swept[0].logical_id
    assert "IAMRoleDep" in references(templates.deploy["Resources"][lambda_id]["Properties"])
    failure = Failure("deploy", "IAMRoleDep", "CREATE_FAILED", "no")
    assert blame(templates, [failure]) == {"AWS::Lambda::Function"}


def test_the_fallback_tier() -> None:
    assert fallback_tier("AWS::SQS::Queue", ["AWS::SQS::Queue"]) == "unverified"
    assert fallback_tier("AWS::SQS::Queue", []) == "checked"
    assert fallback_tier("AWS::Lightsail::Domain", []) == "schema-bound"


def test_a_failed_runs_last_denials() -> None:
    ledger = [
        {"event": "denial_found", "step": "deploy", "attempt": 1, "action": "a:B", "resource": "x"},
        {"event": "denial_found", "step": "deploy", "attempt": 2, "action": "c:D", "resource": "*"},
        {"event": "denial_found", "step": "deploy", "attempt": 2, "action": "e:F", "resource": "y"},
    ]
    assert last_denials(ledger) == ["c:D on * (None)", "e:F on y (None)"]


def test_failures_that_read_the_same_fall_in_one_class() -> None:
    rows = [
        {"reason": "no progress: the step is still denied actions that are already granted (a:B)"},
        {"reason": "no progress: the step is still denied actions that are already granted (c:D)"},
        {"reason": "refused by the safety guard: iam:PassRole on *: privilege escalation; x"},
        {"reason": "refused by the safety guard: s3:GetObject on *: outside the deployment: it"},
        {"reason": "refused by the safety guard: kms:Decrypt on *: outside the deployment: it"},
        {
            "reason": "a demand no grant can meet: Q (A::B::C) of stack s demands a:B on *"
            " (demanded by the schema tier: every action); autofix will not grant it"
        },
        {
            "reason": "a demand no grant can meet: R (A::B::D) of stack s demands c:D on *"
            " (demanded by the schema tier: every action); autofix will not grant it"
        },
    ]
    classes = [failure_class(r) for r in rows]
    assert classes[0] == classes[1] != classes[2]
    assert classes[2] == "refused by the safety guard: an action on *: privilege escalation"
    assert (
        classes[3]
        == classes[4]
        == ("refused by the safety guard: an action on *: outside the deployment")
    )
    assert (
        classes[5] == classes[6] == "a demand no grant can meet: an action on *, by the schema tier"
    )
    assert named_actions(rows[3:5]) == [("s3:GetObject", 1), ("kms:Decrypt", 1)]


def test_a_refusal_no_handler_call_met_is_pinned_on_the_type_whose_schema_lists_it(
    tmp_path: Path,
) -> None:
    """The guard refused a predicted demand before any call was denied: the deny log is
    empty, so the culprit is the type whose provider schema lists the action."""
    templates = build(["AWS::EC2::EnclaveCertificateIamRoleAssociation", "AWS::SQS::Queue"])
    reason = (
        "refused by the safety guard: ec2:AssociateEnclaveCertificateIamRole on"
        " arn:aws:iam::123456789012:role/x: outside the deployment"
    )
    run = RunFiles(3, 1.0, "", {"reason": reason}, (), {})
    assert culprits(tmp_path, run, templates) == {"AWS::EC2::EnclaveCertificateIamRoleAssociation"}
    nobody = RunFiles(3, 1.0, "", {"reason": "refused: x:Y on *"}, (), {})
    assert culprits(tmp_path, nobody, templates) == set()

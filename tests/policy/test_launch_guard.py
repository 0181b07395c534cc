"""RunInstances on `instance/*` bound by `ec2:InstanceProfile`: the guard lets it through,
flagged with the binding; unbound, or bound to every profile, it stays refused. The
instance's role is the one of the profile RunInstances names, and ec2:InstanceProfile is
that profile's ARN, a condition key of the instance
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-iam-roles)."""

from __future__ import annotations

import pytest

from autofix.policy import conditions
from autofix.policy.conditions import Condition
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.guard import check, check_document

ACCOUNT = "123456789012"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:user/deployer"
INSTANCES = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"
PROFILES = f"arn:aws:iam::{ACCOUNT}:instance-profile/web-fleet-InstanceProfile-*"
PASS = Grant("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/web-fleet-InstanceRole-*")


def _run(condition: Condition) -> Grant:
    return Grant("ec2:RunInstances", INSTANCES, condition)


def test_unbound_instances_are_refused() -> None:
    report = check([PASS, _run(())], DEPLOYER)
    assert [(r.rule, r.resource) for r in report.refusals] == [("escalation-unscoped", INSTANCES)]


@pytest.mark.parametrize(
    "condition",
    [
        conditions.request_condition("ec2:InstanceProfile", (PROFILES,)),
        conditions.request_condition("ec2:InstanceProfile", ()),  # Null: true, no profile
    ],
)
def test_instances_bound_by_their_instance_profile_are_flagged_not_refused(
    condition: Condition,
) -> None:
    report = check([PASS, _run(condition)], DEPLOYER)
    assert report.ok, report.refusals
    [flag] = [f for f in report.flags if f.action == "ec2:RunInstances"]
    assert "starts instances with a passed role" in flag.risk
    assert "bound by ec2:InstanceProfile to" in flag.risk


@pytest.mark.parametrize(
    "condition",
    [
        conditions.request_condition(
            "ec2:InstanceProfile", (f"arn:aws:iam::{ACCOUNT}:instance-profile/*",)
        ),
        conditions.request_condition("ec2:InstanceProfile", ("*",)),
        ((conditions.STRING_EQUALS, "aws:RequestedRegion", ("us-east-1",)),),
        ((conditions.NULL, "ec2:InstanceProfile", ("false",)),),
    ],
)
def test_a_binding_to_every_profile_or_to_another_key_is_refused(condition: Condition) -> None:
    assert not check([PASS, _run(condition)], DEPLOYER).ok


def test_the_policy_document_reads_the_binding_back() -> None:
    """A stored policy's ArnLike and Null conditions are read as the grant's, not kept
    verbatim: the guard judges the stored policy as it judged the grants."""
    statement = {
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": INSTANCES,
        "Condition": {"ArnLike": {"ec2:InstanceProfile": PROFILES}},
    }
    doc = PolicyDocument.from_json({"Version": "2012-10-17", "Statement": [statement]})
    assert doc.grants[0].condition == (("ArnLike", "ec2:InstanceProfile", (PROFILES,)),)
    assert check_document(PolicyDocument(grants=(PASS, *doc.grants)), DEPLOYER).ok
    null = {**statement, "Condition": {"Null": {"ec2:InstanceProfile": "true"}}}
    assert conditions.from_json(null["Condition"]) == (("Null", "ec2:InstanceProfile", ("true",)),)


def test_a_launch_with_a_profile_and_one_without_merge_into_if_exists() -> None:
    """One grant on `instance/*` for both: `ArnLikeIfExists` the profiles (the key matches
    them, or is absent), which the guard takes as bound, and which covers each."""
    bound = conditions.request_condition("ec2:InstanceProfile", (PROFILES,))
    none = conditions.request_condition("ec2:InstanceProfile", ())
    both = conditions.merged(bound, none)
    assert both == (("ArnLikeIfExists", "ec2:InstanceProfile", (PROFILES,)),)
    assert conditions.merged(none, bound) == both
    assert conditions.covers(both, bound) and conditions.covers(both, none)
    assert not conditions.covers(bound, none) and not conditions.covers(none, bound)
    doc = PolicyDocument(grants=(PASS, _run(bound))).with_grants([_run(none)])
    assert doc.grants[1].condition == both
    assert check_document(doc, DEPLOYER).ok
    assert conditions.from_json(conditions.to_json(both)) == both

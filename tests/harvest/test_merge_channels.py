"""Merging the denials of one attempt across channels, without duplicates."""

from __future__ import annotations

from autofix.denials.model import Denial
from autofix.harvest.collect import merge

DEPLOYER = "arn:aws:iam::123456789012:user/deployer"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:svc-dev-hello"


def test_a_resource_less_sighting_adds_nothing_to_a_named_one() -> None:
    named = Denial("lambda:GetFunction", FUNCTION, DEPLOYER, source="output")
    bare_same_principal = Denial("lambda:GetFunction", None, DEPLOYER, source="account-log")
    bare_no_principal = Denial("lambda:GetFunction", None, None, source="output")
    assert merge([bare_no_principal, named], [bare_same_principal]) == [named]


def test_distinct_resources_and_principals_are_kept() -> None:
    other_function = FUNCTION.replace("hello", "bye")
    role = "arn:aws:sts::123456789012:assumed-role/cfn-exec/AWSCloudFormation"
    one = Denial("lambda:GetFunction", FUNCTION, DEPLOYER)
    two = Denial("lambda:GetFunction", other_function, DEPLOYER)
    three = Denial("iam:PassRole", None, role)  # no named sighting for this action
    assert merge([one], [two, one], [three]) == [one, two, three]


def test_first_sighting_wins_and_order_is_kept() -> None:
    from_output = Denial("s3:CreateBucket", "arn:aws:s3:::b", DEPLOYER, source="output")
    from_events = Denial("s3:CreateBucket", "arn:aws:s3:::b", DEPLOYER, source="stack-events")
    later = Denial("iam:CreateRole", "arn:aws:iam::123456789012:role/r", DEPLOYER)
    merged = merge([from_output], [from_events, later])
    assert merged == [from_output, later]
    assert merged[0].source == "output"

"""Which grants a run exercised: whole actions, and resource patterns of used actions."""

from __future__ import annotations

from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.usage import unused_actions, unused_patterns

ME = "arn:aws:iam::123456789012:user/deployer"
OTHER = "arn:aws:iam::123456789012:user/someone"
BUCKET = "arn:aws:s3:::shop-dev-serverlessdeploymentbuck-1a2b3c4d5e6f"
FULL = Grant("s3:CreateBucket", "arn:aws:s3:::shop-*-serverlessdeploymentbucket-*")
TRUNCATED = Grant("s3:CreateBucket", "arn:aws:s3:::shop-*-serverlessdeploymentbuck*")


def mine(principal: str) -> bool:
    return principal == ME


def test_a_pattern_no_call_matched_is_unused_while_its_sibling_was() -> None:
    policy = PolicyDocument((FULL, TRUNCATED))
    used = [(ME, "s3:CreateBucket", BUCKET)]
    assert unused_patterns(policy, used, mine) == (FULL,)
    assert unused_actions(policy, [(ME, "s3:CreateBucket")], mine) == ()


def test_an_action_never_used_is_left_to_unused_actions() -> None:
    policy = PolicyDocument((FULL,))
    assert unused_patterns(policy, [], mine) == ()
    assert unused_actions(policy, [], mine) == ("s3:CreateBucket",)


def test_another_principals_calls_do_not_count() -> None:
    policy = PolicyDocument((FULL, TRUNCATED))
    used = [(OTHER, "s3:CreateBucket", BUCKET), (ME, "s3:CreateBucket", BUCKET)]
    assert unused_patterns(policy, used, mine) == (FULL,)
    assert unused_patterns(policy, used[:1], mine) == ()


def test_a_call_on_no_arn_keeps_every_pattern_of_its_action() -> None:
    policy = PolicyDocument((FULL, TRUNCATED))
    used = [(ME, "s3:CreateBucket", BUCKET), (ME, "s3:CreateBucket", "*")]
    assert unused_patterns(policy, used, mine) == ()


def test_a_wildcard_action_counts_the_calls_it_matches() -> None:
    wide = Grant("s3:Put*", "arn:aws:s3:::other-*")
    policy = PolicyDocument((wide, Grant("s3:PutObject", BUCKET + "/*")))
    used = [(ME, "s3:PutObject", BUCKET + "/serverless/x.zip")]
    assert unused_patterns(policy, used, mine) == (wide,)

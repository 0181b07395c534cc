"""A generated name's pattern matches the names AWS gave: a short stack name is kept whole.

The names are CloudFormation's, for CDK's own provider functions and roles, as written in
public repositories' code, docs and Terraform imports (found by searching for the logical
ids' start). A pattern that cut a short stack name to its first letter (`i*-LogRetention…`)
left the stack's namespace, so the escalation actions on the role were not predicted.
"""

from __future__ import annotations

import fnmatch

import pytest

from autofix.policy.name_rules import name_rule

FUNCTION, ROLE = "AWS::Lambda::Function", "AWS::IAM::Role"
LOG_RETENTION = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"
AUTO_DELETE = "CustomS3AutoDeleteObjectsCustomResourceProvider"

SEEN = [
    (
        FUNCTION,
        "xraystarter",
        f"{LOG_RETENTION}FD4BFC8A",
        "xraystarter-LogRetentionaae0aa3c5b4d4f87b02d85b201-2QZ9sjniwX2i",
    ),
    (
        FUNCTION,
        "Cdk05LambdaStack",
        f"{LOG_RETENTION}FD4BFC8A",
        "Cdk05LambdaStack-LogRetentionaae0aa3c5b4d4f87b02d8-8rID6WpQZgda",
    ),
    (
        FUNCTION,
        "shared-resources",
        f"{AUTO_DELETE}Handler9D90184F",
        "shared-resources-CustomS3AutoDeleteObjectsCustomRe-T99ivMzy1PKf",
    ),
    (
        FUNCTION,
        "CGA-Sample-Frontend",
        f"{AUTO_DELETE}Handler9D90184F",
        "CGA-Sample-Frontend-CustomS3AutoDeleteObjectsCusto-p4HUh6zFaxaS",
    ),
    (
        ROLE,
        "VideoPipelineStack",
        f"{AUTO_DELETE}Role3B1BD092",
        "VideoPipelineStack-CustomS3AutoDeleteObjectsCustomR-5iDS86HgqD6c",
    ),
    (
        ROLE,
        "OpenReception-Web-dev",
        f"{AUTO_DELETE}Role3B1BD092",
        "OpenReception-Web-dev-CustomS3AutoDeleteObjectsCust-yIrNw85NvcWP",
    ),
    (
        "AWS::S3::Bucket",
        "aws-python-scheduled-cron-dev",
        "ServerlessDeploymentBucket",
        "aws-python-scheduled-cr-serverlessdeploymentbucket-dhodwgejfuua",
    ),
]


@pytest.mark.parametrize(("rtype", "stack", "logical_id", "seen"), SEEN)
def test_the_pattern_matches_the_name_aws_gave(
    rtype: str, stack: str, logical_id: str, seen: str
) -> None:
    rule = name_rule(rtype)
    assert rule is not None
    pattern = rule.pattern(stack, logical_id)
    assert fnmatch.fnmatchcase(seen, pattern), pattern
    # and the sandbox's own name for it
    assert fnmatch.fnmatchcase(rule.generate(stack, logical_id, "x" * 12), pattern), pattern


@pytest.mark.parametrize(("rtype", "stack", "logical_id", "seen"), SEEN[:-1])
def test_a_short_stack_name_is_kept_whole(
    rtype: str, stack: str, logical_id: str, seen: str
) -> None:
    rule = name_rule(rtype)
    assert rule is not None
    assert rule.pattern(stack, logical_id).startswith(f"{stack}-{logical_id[:20]}")


def test_a_long_stack_and_a_long_logical_id_share_the_room() -> None:
    # ci-spreadsheets-DiyaGlSit-AWS679f53fac002430cb0da5b-XvtcNuwE8vX1 (a role): both cut
    rule = name_rule(ROLE)
    assert rule is not None
    pattern = rule.pattern(
        "ci-spreadsheets-DiyaGlSitStack", "AWS679f53fac002430cb0da5b7982bd2287ServiceRoleC1EA0FF2"
    )
    assert fnmatch.fnmatchcase(
        "ci-spreadsheets-DiyaGlSit-AWS679f53fac002430cb0da5b-XvtcNuwE8vX1", pattern
    )
    assert pattern.startswith("ci-spreadsheets-Diya") and "-AWS679f53fac00243" in pattern


@pytest.mark.parametrize(("rtype", "stack", "logical_id", "seen"), SEEN[:-1])
def test_the_sandbox_names_a_short_stacks_function_and_role_as_aws_did(
    rtype: str, stack: str, logical_id: str, seen: str
) -> None:
    # a function's generated name stops at 63 characters, a role's at 64: a grant the
    # sandbox's name is generalised from (`...-LogRetentionaae0...b201ef-*`) must match AWS's
    rule = name_rule(rtype)
    assert rule is not None
    tail = seen.rsplit("-", 1)[1]
    assert rule.generate(stack, logical_id, tail) == seen

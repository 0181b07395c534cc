"""Generated names found by structure: letters-only, digits-only, truncated, nested."""

from __future__ import annotations

import fnmatch

import pytest

from autofix.denials.model import Denial, DenyKind
from autofix.policy.arns import matches
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.generated import (
    GeneratedNames,
    explicit_or_generated,
    find_generated,
    generalise_policy,
    template_names,
)
from autofix.policy.name_rules import generated_name, name_rule
from autofix.policy.scope import ScopeContext, generalise, grants_for

ACCOUNT = "123456789012"
LETTERS = "dhodwgejfuua"  # the suffix of issue 13: twelve letters, no digit
DIGITS = "482019573311"
MIXED = "1a2b3c4d5e6f"


def _bucket(stack: str, logical: str, tail: str) -> str:
    rule = name_rule("AWS::S3::Bucket")
    assert rule is not None
    return generated_name(stack, logical, tail, rule.max_length, rule.lowercase)


def _names(stack: str, logical: str, rtype: str, physical: str) -> GeneratedNames:
    found = find_generated(physical, stack, logical, rtype)
    assert found is not None, physical
    return GeneratedNames((found,))


def test_the_rule_reproduces_names_cloudformation_made() -> None:
    # Three names real CloudFormation made for one stack (KensioSoftware/yulin#1113), and
    # one with the older 13-character suffix (gist christianklotz/468a240a...).
    stack = "ChineseboostAnalyticsStack"
    assert (
        _bucket(stack, "RainlyticsLogsBucket8DF4A9E2", "hdst4ohfvdif")
        == "chineseboostanalyticsstac-rainlyticslogsbucket8df4-hdst4ohfvdif"
    )
    role = name_rule("AWS::IAM::Role")
    assert role is not None and role.max_length == 64
    assert (
        generated_name(stack, "RainlyticsSummariesJobFunctionRole1C2D", "UjecjFhpdr1d", 64)
        == "ChineseboostAnalyticsStac-RainlyticsSummariesJobFun-UjecjFhpdr1d"
    )
    assert (
        generated_name(stack, "RainlyticsSummariesJobLogs1C6CB09C", "UJ5n2NwuSPZB", 512)
        == "ChineseboostAnalyticsStack-RainlyticsSummariesJobLogs1C6CB09C-UJ5n2NwuSPZB"
    )
    assert (
        generated_name(
            "MyStackDev-MyNestedApplicationStack-K87FLFVLYVQJ",
            "MyLambdaFunctionName",
            "1U44TLUZ7OR55",
            64,
        )
        == "MyStackDev-MyNestedApplicatio-MyLambdaFunctionName-1U44TLUZ7OR55"
    )


@pytest.mark.parametrize("tail", [LETTERS, DIGITS, MIXED])
def test_the_random_part_is_found_whatever_it_looks_like(tail: str) -> None:
    bucket = _bucket("svc-dev", "ServerlessDeploymentBucket", tail)
    found = find_generated(bucket, "svc-dev", "ServerlessDeploymentBucket", "AWS::S3::Bucket")
    assert found is not None
    assert found.pattern == "svc-dev-serverlessdeploymentbucket-*"


@pytest.mark.parametrize("tail", [LETTERS, DIGITS])
def test_structure_catches_what_the_fallback_regexes_may_miss(tail: str) -> None:
    resource = f"arn:aws:s3:::svc-dev-serverlessdeploymentbucket-{tail}"
    if tail == LETTERS:  # the suffix regex wants a digit and a letter
        ctx = ScopeContext(ACCOUNT, "us-east-1")
        assert generalise(resource, ctx, action="s3:ListBucket") == resource
    known = _names(
        "svc-dev", "ServerlessDeploymentBucket", "AWS::S3::Bucket", resource.split(":::")[1]
    )
    structural = ScopeContext(ACCOUNT, "us-east-1", generated=known)
    assert (
        generalise(resource, structural, action="s3:ListBucket")
        == "arn:aws:s3:::svc-dev-serverlessdeploymentbucket-*"
    )


def test_a_denied_object_keeps_the_literal_rest_and_the_ledger_note_says_why() -> None:
    bucket = f"svc-dev-serverlessdeploymentbucket-{LETTERS}"
    obj = f"arn:aws:s3:::{bucket}/serverless/svc/dev/1732812345678-2026-11-28T23:45:45.678Z/a.zip"
    denial = Denial(
        action="s3:PutObject",
        resource=obj,
        principal=None,
        deny=DenyKind.IMPLICIT,
        source="output",
        evidence="...",
    )
    ctx = ScopeContext(
        ACCOUNT,
        "us-east-1",
        generated=_names("svc-dev", "ServerlessDeploymentBucket", "AWS::S3::Bucket", bucket),
    )
    [grant] = grants_for([denial], ctx)
    assert (
        grant.resource == "arn:aws:s3:::svc-dev-serverlessdeploymentbucket-*/serverless/svc/dev/*"
    )
    assert LETTERS not in grant.resource and matches(grant.resource, obj)
    assert "ServerlessDeploymentBucket (AWS::S3::Bucket) of stack svc-dev" in grant.note


def test_truncated_logical_id_and_long_stack_name() -> None:
    stack = "a-rather-long-service-name-for-the-orders-team-prod"
    logical = "OrdersHandlerExecutionRoleWithAVeryLongLogicalId"
    for tail in (LETTERS, DIGITS, MIXED):
        role = generated_name(stack, logical, tail, 64)
        assert len(role) == 64 and logical not in role and not role.startswith(stack)
        found = find_generated(f"arn:aws:iam::{ACCOUNT}:role/{role}", stack, logical)
        assert found is not None and found.name == role
        assert found.pattern == role[: -len(tail)] + "*"
        bucket = _bucket(stack, logical, tail)
        assert len(bucket) == 63 and bucket == bucket.lower()
        found = find_generated(bucket, stack, logical, "AWS::S3::Bucket")
        assert found is not None and found.pattern == bucket[: -len(tail)] + "*"


def test_a_short_logical_id_leaves_the_stack_name_the_rest() -> None:
    stack = "s" * 70
    name = generated_name(stack, "Fn", LETTERS, 64)
    assert name == "s" * (64 - 12 - 2 - 2) + "-Fn-" + LETTERS
    assert find_generated(name, stack, "Fn") is not None


def test_names_that_are_not_generated_are_left_to_the_fallback() -> None:
    assert find_generated("svc-dev-orders-queue", "svc-dev", "OrdersQueue") is None
    # another resource's logical id, or another stack
    name = f"svc-dev-OrdersQueue-{LETTERS}"
    assert find_generated(name, "svc-dev", "OtherQueue") is None
    assert find_generated(name, "svc-prod", "OrdersQueue") is None
    assert find_generated(f"svc-dev-OrdersQueue-{LETTERS}x1", "svc-dev", "OrdersQueue") is None


def test_a_name_inside_a_url_an_arn_and_a_log_group() -> None:
    url = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/svc-dev-Jobs-{DIGITS}"
    jobs = find_generated(url, "svc-dev", "Jobs", "AWS::SQS::Queue")
    assert jobs is not None and jobs.name == f"svc-dev-Jobs-{DIGITS}"
    fn = find_generated(f"svc-dev-Worker-{LETTERS}", "svc-dev", "Worker")
    assert fn is not None
    names = GeneratedNames((jobs, fn))
    ctx = ScopeContext(ACCOUNT, "us-east-1", generated=names)
    log_group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/svc-dev-Worker-{LETTERS}:*"
    assert generalise(log_group, ctx, action="logs:CreateLogStream", strict=True) == (
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/svc-dev-Worker-*"
    )
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:svc-dev-Jobs-{DIGITS}"
    assert generalise(queue, ctx, action="sqs:SendMessage", strict=True) == (
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:svc-dev-Jobs-*"
    )


def test_nested_stack_random_parts_carry_into_its_resources() -> None:
    parent = "svc-dev"
    nested_arn = (
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/svc-dev-Api-{LETTERS}/"
        "2f1c9a4e-1b2c-11ef-9a3b-0a1b2c3d4e5f"
    )
    nested = find_generated(nested_arn, parent, "Api", "AWS::CloudFormation::Stack")
    assert nested is not None and nested.pattern == "svc-dev-Api-*"
    child_stack = nested.name
    child = generated_name(child_stack, "Handler", DIGITS, 64)
    found = find_generated(child, child_stack, "Handler", stack_random=nested.random)
    assert found is not None and found.pattern == "svc-dev-Api-*-Handler-*"


def test_the_template_decides_what_is_explicit() -> None:
    template = {
        "Resources": {
            "Named": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": "orders-abcdef123456"},
            },
            "Unnamed": {"Type": "AWS::SQS::Queue"},
            "Custom": {"Type": "Custom::Thing"},
        }
    }
    declared = template_names(template)
    assert declared == {
        "Named": ("AWS::SQS::Queue", True),
        "Unnamed": ("AWS::SQS::Queue", False),
        "Custom": ("Custom::Thing", None),
    }
    names = explicit_or_generated(
        "svc-dev",
        [
            ("Named", "AWS::SQS::Queue", f"https://sqs/{ACCOUNT}/orders-abcdef123456"),
            ("Unnamed", "AWS::SQS::Queue", f"https://sqs/{ACCOUNT}/svc-dev-Unnamed-{LETTERS}"),
        ],
        declared,
    )
    assert [n.logical_id for n in names.names] == ["Unnamed"]
    ctx = ScopeContext(ACCOUNT, "us-east-1", generated=names)
    named = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders-abcdef123456"
    # a name the template gave is kept literally, though it looks generated
    assert generalise(named, ctx, action="sqs:SendMessage") == named
    assert generalise(named, ScopeContext(ACCOUNT, "us-east-1"), action="sqs:SendMessage") == (
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders-*"
    )


def test_the_final_check_generalises_any_literal_generated_name() -> None:
    bucket = f"svc-dev-serverlessdeploymentbucket-{LETTERS}"
    names = _names("svc-dev", "ServerlessDeploymentBucket", "AWS::S3::Bucket", bucket)
    policy = PolicyDocument(
        (
            Grant("s3:PutObject", f"arn:aws:s3:::{bucket}/serverless/*"),
            Grant("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
            Grant("s3:ListAllMyBuckets", "*"),
            Grant("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:{bucket}x"),
        )
    )
    after, changes = generalise_policy(policy, names)
    assert [g.resource for g in after.grants] == [
        "arn:aws:s3:::svc-dev-serverlessdeploymentbucket-*/serverless/*",
        "arn:aws:s3:::svc-dev-serverlessdeploymentbucket-*",
        "*",
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:{bucket}x",  # another name that merely starts so
    ]
    assert [c.before.action for c in changes] == ["s3:PutObject", "s3:ListBucket"]
    assert generalise_policy(after, names) == (after, [])


def test_the_template_alone_recognises_names_never_seen() -> None:
    # a bucket whose creation was denied has no physical id to read back; each attempt
    # (and the next deploy) makes another name, all of them `{stack}-{logical id}-...`
    stack = "a-rather-long-service-name-for-the-orders-team-prod"
    template = {
        "Resources": {
            "ServerlessDeploymentBucket": {"Type": "AWS::S3::Bucket"},
            "OrdersHandlerExecutionRoleWithAVeryLongLogicalId": {"Type": "AWS::IAM::Role"},
        }
    }
    names = explicit_or_generated(stack, [], template_names(template))
    assert not names.names
    ctx = ScopeContext(ACCOUNT, "us-east-1", generated=names)
    for tail in (LETTERS, DIGITS, MIXED, "ABCDEFGHIJKLM"):
        bucket = _bucket(stack, "ServerlessDeploymentBucket", tail)
        assert generalise(f"arn:aws:s3:::{bucket}", ctx, action="s3:CreateBucket") == (
            f"arn:aws:s3:::{bucket[: -len(tail)]}*"
        )
        role = generated_name(stack, "OrdersHandlerExecutionRoleWithAVeryLongLogicalId", tail, 64)
        [found] = names.found_in(f"arn:aws:iam::{ACCOUNT}:role/{role}")
        assert found.pattern == role[: -len(tail)] + "*"
    # not a generated name of this stack: a longer tail, another logical id
    other = f"arn:aws:s3:::{_bucket(stack, 'OtherBucket', LETTERS)}"
    assert names.found_in(other) == [] and names.found_in(f"{stack}-Bucket-{LETTERS}xyz") == []


def test_a_denial_naming_no_bucket_is_scoped_to_what_every_generated_name_keeps() -> None:
    # "Could not access the deployment bucket": the bucket is unnamed in the template and
    # CloudFormation cuts a long stack name to fit 63 characters
    from autofix.denials.parse import parse_denials
    from autofix.policy.generated import GeneratedNames as Names
    from autofix.policy.generated import Unnamed as Left
    from autofix.policy.scope import ScopeContext as Context
    from autofix.policy.scope import grants_for as scope

    bucket = Left("aws-python-scheduled-cron-dev", "ServerlessDeploymentBucket", "AWS::S3::Bucket")
    ctx = Context(
        "123456789012",
        "us-east-1",
        service_names=("aws-python-scheduled-cron",),
        stages=("dev",),
        generated=Names(unnamed=(bucket,)),
    )
    text = (
        "An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied"
    )
    [grant] = scope(parse_denials(text), ctx)
    assert grant.grant.resource == "arn:aws:s3:::aws-python-scheduled-c*-serverlessdeploymentbu*-*"
    real = "aws-python-scheduled-cr-serverlessdeploymentbucket-dhodwgejfuua"  # seen in the corpus
    assert fnmatch.fnmatchcase(f"arn:aws:s3:::{real}", grant.grant.resource)
    sandbox = "aws-python-scheduled-cron-serverlessdeploymentbuck-6psyaployaqg"  # name_rules
    assert fnmatch.fnmatchcase(f"arn:aws:s3:::{sandbox}", grant.grant.resource)
    # not a bucket of another service that starts the same way (issue 22)
    for other in ("aws-python-scheduled-cleanup-data", "aws-python-scheduled-c-payroll-1"):
        assert not fnmatch.fnmatchcase(f"arn:aws:s3:::{other}", grant.grant.resource)
    # without the template, the service name (which the real name does not start with)
    [fallback] = scope(
        parse_denials(text),
        Context("123456789012", "us-east-1", service_names=("aws-python-scheduled-cron",)),
    )
    assert not fnmatch.fnmatchcase(f"arn:aws:s3:::{real}", fallback.grant.resource)


def test_a_state_machine_is_named_without_the_stack() -> None:
    # aws/aws-sam-cli#2022: `StateMachine-3ypO3dryEmXE` in a stack whose function is
    # `StackName-FunctionName-B51O6KYA24AY`
    rule = name_rule("AWS::StepFunctions::StateMachine")
    assert rule is not None and not rule.has_stack()
    assert rule.generate("StackName", "StateMachine", "3ypO3dryEmXE") == "StateMachine-3ypO3dryEmXE"
    function = name_rule("AWS::Lambda::Function")
    assert function is not None and function.has_stack()
    assert (
        function.generate("StackName", "FunctionName", "B51O6KYA24AY")
        == "StackName-FunctionName-B51O6KYA24AY"
    )
    # 80 characters at most: the logical id is cut, never the random part
    long_name = rule.generate("svc", "L" * 100, MIXED)
    assert long_name == "L" * 67 + "-" + MIXED and len(long_name) == 80


def test_an_ssm_parameter_is_named_cfn_logical_id_random() -> None:
    rule = name_rule("AWS::SSM::Parameter")
    assert rule is not None
    assert rule.generate("svc-dev", "ApiUrl", MIXED) == f"CFN-ApiUrl-{MIXED}"
    assert rule.generate("svc-dev", "P" * 600, MIXED) == f"CFN-{'P' * 500}-{MIXED}"


@pytest.mark.parametrize(
    ("rtype", "name", "pattern"),
    [
        ("AWS::StepFunctions::StateMachine", f"Machine-{LETTERS}", "Machine-*"),
        ("AWS::SSM::Parameter", f"CFN-ApiUrl-{DIGITS}", "CFN-ApiUrl-*"),
    ],
)
def test_names_without_the_stack_are_found_and_generalised(
    rtype: str, name: str, pattern: str
) -> None:
    logical = name.split("-")[-2]
    found = find_generated(
        f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:{name}", "svc-dev", logical, rtype
    )
    assert found is not None and found.pattern == pattern
    # the common form is not this type's name, nor another logical id's
    assert find_generated(f"svc-dev-{logical}-{LETTERS}", "svc-dev", logical, rtype) is None
    assert find_generated(name, "svc-dev", "Other", rtype) is None


def test_names_the_template_leaves_to_cloudformation_scope_by_the_types_form() -> None:
    template = {
        "Resources": {
            "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        }
    }
    names = explicit_or_generated("svc-dev", [], template_names(template))
    assert names.unnamed_patterns("states") == ("Machine-*",)
    assert names.unnamed_patterns("sqs") == ("svc-dev-Queue-*",)
    arn = f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:Machine-{MIXED}"
    policy = PolicyDocument((Grant("states:DescribeStateMachine", arn),))
    after, changes = generalise_policy(policy, names)
    assert [g.resource for g in after.grants] == [
        f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:Machine-*"
    ]
    assert changes


def test_a_fifo_queues_generated_name_ends_in_its_suffix_within_the_limit() -> None:
    rule = name_rule("AWS::SQS::Queue")
    assert rule is not None and rule.max_length == 80
    name = rule.generate("relay-dev", "DeadLetters", "A" * 12)
    assert rule.with_suffix(name, {"FifoQueue": True}) == name + ".fifo"
    assert rule.with_suffix(name, {"FifoQueue": "true"}) == name + ".fifo"
    assert rule.with_suffix(name, {"FifoQueue": False}) == name
    assert rule.with_suffix(name, {"QueueName": "given.fifo", "FifoQueue": True}) == name
    long = rule.generate("s" * 60, "L" * 40, "A" * 12)
    assert len(rule.with_suffix(long, {"FifoQueue": True})) == 80
    assert rule.with_suffix(long, {"FifoQueue": True}).endswith(".fifo")


@pytest.mark.parametrize(
    "rtype", ["AWS::RDS::DBInstance", "AWS::RDS::DBSubnetGroup", "AWS::RDS::DBCluster"]
)
def test_a_name_the_service_stores_lowered_is_generated_lowered(rtype: str) -> None:
    """RDS stores a DB instance's identifier and a subnet group's name in lower case (their
    schemas' descriptions say so): `orders-db-Database-*` named none of the instance's later
    calls (`db:orders-db-database-jlin0okiywlu`), so the predicted create and the update's
    demands were two grants."""
    rule = name_rule(rtype)
    assert rule is not None and rule.lowercase
    assert rule.pattern("orders-db", "Database") == "orders-db-database-*"
    named = generated_name("orders-db", "Database", "JLIN0okiywlu", rule.max_length, True)
    assert named == "orders-db-database-jlin0okiywlu"

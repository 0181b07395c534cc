"""Merging never widens: the rule (autofix.policy.widening) and every place a pattern is made.

Issue 22: on serverless/examples `aws-node-simple-transcribe-s3` the bucket actions ended
on `arn:aws:s3:::aws-node-simple-transcri*`, a start of the service's name cut inside a
word, which matches every bucket of every service whose name starts so.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from autofix.denials.parse import parse_denials
from autofix.policy.collapse import collapse_actions
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.generated import GeneratedNames, Unnamed
from autofix.policy.name_rules import generated_name, name_rule
from autofix.policy.scope import ScopeContext, grants_for
from autofix.policy.truncation import any_stage
from autofix.policy.widening import cut_names, statement_grants, widened

SERVICE = "aws-node-simple-transcribe-s3"
STACK = f"{SERVICE}-dev"
BUCKETS = ("ServerlessDeploymentBucket", "S3BucketRecordings", "S3BucketTranscriptions")
TAILS = ("abcdefghij12", "abcdefghij123")


def _names_on_aws(stack: str, logical_id: str, tail: str, limit: int) -> set[str]:
    """The two readings of how CloudFormation shares a cut name's room: the sandbox's
    (name_rules), and the whole logical id kept (as names seen on AWS read)."""
    halved = generated_name(stack, logical_id, tail, limit, lowercase=True)
    room = limit - len(tail) - 2
    whole = f"{stack[: max(1, room - len(logical_id))]}-{logical_id}-{tail}".lower()
    return {halved, whole if len(whole) <= limit else halved}


def test_the_issues_example_is_a_cut_name() -> None:
    names = [SERVICE, STACK]
    for cut in ("aws-node-simple-transcri*", "aws-node-simple-transc*", "aws-node-simple-*"):
        assert cut_names(f"arn:aws:s3:::{cut}", names), cut
        assert cut_names(f"arn:aws:s3:::{cut}/serverless/x/*", names), cut


def test_whole_names_separators_and_generated_patterns_keep_the_rule() -> None:
    names = [SERVICE, STACK]
    for pattern in (
        f"arn:aws:s3:::{SERVICE}*",  # a whole name, though `{SERVICE}-dev` is a name too
        f"arn:aws:s3:::{STACK}-*",
        f"arn:aws:lambda:us-east-1:123456789012:function:{STACK}-*",
        "arn:aws:s3:::aws-node-simple-transcri*-serverlessdeploymentbuck*",  # name rule
        "arn:aws:s3:::aws-node-simple-transcri-serverlessdeploymentbuck-*",  # a head
        "arn:aws:s3:::other-service-*",  # not the deployment's name: the guard's matter
        "arn:aws:apigateway:us-east-1::/restapis/*",
    ):
        assert cut_names(pattern, names) == [], pattern


def test_a_denial_naming_no_bucket_gets_only_the_deployments_buckets() -> None:
    unnamed = (
        *(Unnamed(STACK, logical, "AWS::S3::Bucket") for logical in BUCKETS),
        Unnamed(STACK, "ServerlessDeploymentBucketPolicy", "AWS::S3::BucketPolicy"),
    )
    ctx = ScopeContext(
        "123456789012",
        "us-east-1",
        service_names=(SERVICE,),
        stages=("dev",),
        generated=GeneratedNames(unnamed=unnamed),
    )
    text = (
        "An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied"
    )
    grants = [g.grant.resource for g in grants_for(parse_denials(text), ctx)]
    assert len(grants) == len(BUCKETS)  # a bucket policy names no bucket
    for pattern in grants:
        assert cut_names(pattern, [SERVICE, STACK]) == [], pattern
    for logical in BUCKETS:
        for tail in TAILS:
            for name in _names_on_aws(STACK, logical, tail, 63):
                assert any(fnmatchcase(f"arn:aws:s3:::{name}", p) for p in grants), name
    for other in (
        "aws-node-simple-transcription-archive",
        "aws-node-simple-transcri-payroll",
        "aws-node-simple-transcribe-s3-backups",
    ):
        assert not any(fnmatchcase(f"arn:aws:s3:::{other}", p) for p in grants), other


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=14)
LOGICAL = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    min_size=1,
    max_size=45,
)
TYPES = ["AWS::S3::Bucket", "AWS::Events::Rule", "AWS::IAM::Role", "AWS::SQS::Queue"]


@settings(max_examples=200, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=4), WORD, LOGICAL, st.sampled_from(TYPES))
def test_every_generated_name_pattern_keeps_the_rule_and_matches_its_names(
    words: list[str], stage: str, logical_id: str, rtype: str
) -> None:
    service = "-".join(words)
    stack = f"{service}-{stage}"
    rule = name_rule(rtype)
    assert rule is not None
    names = [service, stack]
    made = {
        "NameRule.pattern": rule.pattern(stack, logical_id),
        "Unnamed.pattern": Unnamed(stack, logical_id, rtype).pattern(),
        "any_stage": any_stage(service, logical_id, rtype),
    }
    for where, pattern in made.items():
        assert cut_names(pattern, names) == [], (where, pattern)
    for tail in TAILS:
        name = rule.generate(stack, logical_id, tail)
        for where, pattern in made.items():
            assert fnmatchcase(name, pattern), (where, pattern, name)


ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "sns:CreateTopic", "sqs:GetQueueUrl"]
RESOURCES = [
    "*",
    "arn:aws:s3:::svc-dev-*",
    "arn:aws:s3:::svc-dev-bucket-abc",
    "arn:aws:s3:::svc-dev-*/key",
    "arn:aws:s3:::other",
    "arn:aws:sns:us-east-1:123456789012:svc-*",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(RESOURCES)), max_size=12))
def test_statements_allow_exactly_what_the_grants_allow(pairs: list[tuple[str, str]]) -> None:
    grants = [Grant(a, r) for a, r in pairs]
    statements = statement_grants(PolicyDocument(tuple(grants)).to_json())
    assert widened(grants, statements) == []
    assert widened(statements, grants) == []  # and nothing is lost


def test_a_fleet_merge_collapses_only_what_it_granted() -> None:
    bucket = "arn:aws:s3:::svc-dev-bucket"
    doc = PolicyDocument(
        (Grant("s3:GetBucketLocation", bucket), Grant("s3:GetBucketPolicy", bucket))
    )
    # the read-only collapse of `autofix render --collapse` widens, and the rule says so
    assert widened(doc.grants, collapse_actions(doc).grants) == [Grant("s3:Get*", bucket)]
    # the exact one (fleet merge-policy) does not
    assert collapse_actions(doc, exact=True) == doc
    queue = "arn:aws:sqs:us-east-1:123456789012:svc"
    gets = ("sqs:GetQueueAttributes", "sqs:GetQueueUrl")
    both = PolicyDocument(tuple(Grant(a, queue) for a in gets))
    collapsed = collapse_actions(both, exact=True)
    assert collapsed.grants == (Grant("sqs:Get*", queue),)
    assert widened(both.grants, collapsed.grants) == []

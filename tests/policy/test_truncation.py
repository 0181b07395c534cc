"""A profile's generated-name pattern holds for every stage, truncated names included."""

from __future__ import annotations

import pytest

from autofix.policy.arns import matches
from autofix.policy.name_rules import generated_name
from autofix.policy.truncation import any_stage, truncated, types_named_by
from autofix.predict.profile import Call, Profile

BUCKET = "AWS::S3::Bucket"
LOGICAL = "ServerlessDeploymentBucket"
SERVICES = ("a", "streams", "autofix-demo", "serverless-http-api-dynamodb", "x" * 40)
STAGES = ("dev", "production", "s", "feature-1234-long-branch-name")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("tail", ["1a2b3c4d5e6f", "1a2b3c4d5e6fg"])
def test_every_stages_generated_name_matches_the_pattern(
    service: str, stage: str, tail: str
) -> None:
    name = generated_name(f"{service}-{stage}", LOGICAL, tail, 63, lowercase=True)
    assert matches(any_stage(service, LOGICAL, BUCKET), name), name


def test_a_long_stack_name_is_cut_as_cloudformation_cuts_it() -> None:
    # measured in the sandbox on the corpus service: the name CloudFormation gave the bucket
    name = "serverless-http-api-dynam-serverlessdeploymentbuck-3wrj79yedcme"
    pattern = any_stage("serverless-http-api-dynamodb", LOGICAL, BUCKET)
    assert matches(pattern, name)
    assert pattern == "serverless-http-api-dyna*-serverlessdeploymentbuck*"
    assert not matches(pattern, "serverless-http-api-dynam-otherbucket-3wrj79yedcme")


def test_a_short_stack_keeps_the_service_and_stays_tied_to_the_logical_id() -> None:
    pattern = any_stage("streams", LOGICAL, BUCKET)
    assert pattern == "streams-*-serverlessdeploymentbuck*"
    assert not matches(pattern, "streamsx-dev-serverlessdeploymentbucket-1a2b3c4d5e6f")


def test_the_type_is_read_from_the_arns_form() -> None:
    assert types_named_by("arn:aws:s3:::shop-x-bucket-x") == [BUCKET]
    assert types_named_by("arn:aws:sqs:us-east-1:1:q") != [BUCKET]


def test_a_profile_fills_generated_names_with_the_truncation_rule() -> None:
    resource = (
        "arn:{partition}:s3:::{service}-*-serverlessdeploymentbucket-*/serverless/{service}/*"
    )
    profile = Profile("p", {"deploy": (Call("s3:PutObject", resource),)})
    [call] = profile.calls("deploy", "serverless-http-api-dynamodb", "dev", "r", "1", "aws")
    assert call.resource == (
        "arn:aws:s3:::serverless-http-api-dyna*-serverlessdeploymentbuck*"
        "/serverless/serverless-http-api-dynamodb/*"
    )
    assert matches(
        call.resource,
        "arn:aws:s3:::serverless-http-api-dynam-serverlessdeploymentbuck-3wrj79yedcme"
        "/serverless/serverless-http-api-dynamodb/dev/1/x.zip",
    )


def test_other_resources_are_left_as_written() -> None:
    resource = "arn:aws:lambda:{region}:{account}:function:{service}*"
    assert truncated(resource, "shop") == resource

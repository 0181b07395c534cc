"""Operation -> IAM action mapping and action-name normalisation."""

from __future__ import annotations

import pytest

from autofix.denials.actions import canonical, parse_action
from autofix.denials.operations import (
    MISMATCHES,
    operation_candidates,
    resolve_method,
    resolve_operation,
)


@pytest.mark.parametrize(
    ("operation", "hints", "actions"),
    [
        ("PutObject", (), ["s3:PutObject"]),
        ("HeadObject", (), ["s3:GetObject"]),
        ("ListObjectsV2", (), ["s3:ListBucket"]),
        ("ListBuckets", (), ["s3:ListAllMyBuckets"]),
        ("PutBucketEncryption", (), ["s3:PutEncryptionConfiguration"]),
        ("CreateFunction20150331", (), ["lambda:CreateFunction"]),
        ("Invoke", ("Lambda",), ["lambda:InvokeFunction"]),
        ("PutMetricData", (), ["cloudwatch:PutMetricData"]),
        ("StartExecution", (), ["states:StartExecution"]),
        ("CreateFunction", ("CloudFront",), ["cloudfront:CreateFunction"]),
    ],
)
def test_operation_to_action(operation: str, hints: tuple[str, ...], actions: list[str]) -> None:
    resolution = resolve_operation(operation, hints)
    assert resolution is not None
    assert [str(a) for a in resolution.actions] == actions
    assert all(a.known for a in resolution.actions)


def test_every_mismatch_names_real_actions() -> None:
    for prefix, table in MISMATCHES.items():
        for operation, actions in table.items():
            assert all(canonical(prefix, a).known for a in actions), (prefix, operation)


def test_api_gateway_verbs_and_uris() -> None:
    resolution = resolve_operation("CreateDeployment", ("API Gateway",), "eu-west-1")
    assert resolution is not None
    assert [str(a) for a in resolution.actions] == ["apigateway:POST"]
    assert resolution.resource == "arn:aws:apigateway:eu-west-1::/restapis/*/deployments"
    patch = resolve_operation("UpdateStage", ("apigateway",))
    assert patch is not None and str(patch.actions[0]) == "apigateway:PATCH"


def test_unknown_operation() -> None:
    assert resolve_operation("FrobnicateWidgets") is None


def test_sdk_method_names() -> None:
    assert "PutBucketCors" in operation_candidates("setBucketCrossOriginConfiguration")
    resolution = resolve_method("s3", "setBucketAccelerateConfiguration")
    assert resolution is not None
    assert [str(a) for a in resolution.actions] == ["s3:PutAccelerateConfiguration"]
    assert resolve_method("s3", "frobnicate") is None


def test_action_case_normalisation() -> None:
    action = parse_action("SNS:publish")
    assert action is not None and str(action) == "sns:Publish" and action.known
    unknown = parse_action("sns:Publishh")
    assert unknown is not None and not unknown.known
    assert parse_action("not an action") is None

"""A policy granting on an S3 resource whose ARN holds a region (an access grants
location, a batch job) is stored, as IAM stores it; a region in a bucket's ARN is still
refused, as IAM refuses it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from autofix.policy.arn_formats import ArnFormat
from autofix.sandbox.fidelity.policy_documents import regional_prefixes


def _policy(resource: str) -> str:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:us-east-1:123456789012:access-grants/default/location/*",
        "arn:aws:s3:us-east-1:123456789012:access-grants/default",
        "arn:aws:s3:us-east-1:123456789012:job/*",
        "arn:aws:s3:us-east-1:123456789012:accesspoint/ap",
    ],
)
def test_a_regional_s3_resource_is_stored(
    operator_client: Callable[[str], Any], resource: str
) -> None:
    name = "regional-" + str(abs(hash(resource)))
    arn = operator_client("iam").create_policy(PolicyName=name, PolicyDocument=_policy(resource))
    assert arn["Policy"]["Arn"].endswith(f"policy/{name}")


def test_a_bucket_with_a_region_is_refused(operator_client: Callable[[str], Any]) -> None:
    with pytest.raises(botocore.exceptions.ClientError, match="region information"):
        operator_client("iam").create_policy(
            PolicyName="bucket-with-region",
            PolicyDocument=_policy("arn:aws:s3:us-east-1::some-bucket/*"),
        )


def test_prefixes_come_from_the_formats_that_hold_a_region() -> None:
    formats = [
        ArnFormat("s3", "bucket", "arn:${Partition}:s3:::${BucketName}"),
        ArnFormat("s3", "job", "arn:${Partition}:s3:${Region}:${Account}:job/${JobId}"),
        ArnFormat("s3", "mrap", "arn:${Partition}:s3::${Account}:accesspoint/${Alias}"),
        ArnFormat("s3express", "b", "arn:${Partition}:s3express:${Region}:${Account}:x/${B}"),
    ]
    assert regional_prefixes(formats) == ("job/",)
    assert "access-grants/default/location/" in regional_prefixes()

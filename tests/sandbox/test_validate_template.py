"""ValidateTemplate checks format and references, as AWS does, not cfn-lint's warnings."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

QUEUE = {"Type": "AWS::SQS::Queue"}


def test_a_depends_on_beside_a_get_att_is_valid(operator_client: Callable[[str], Any]) -> None:
    # cfn-lint W3005; the Serverless Framework emits this shape for every httpApi route
    topic = {
        "Type": "AWS::SNS::Topic",
        "DependsOn": "Queue",
        "Properties": {"TopicName": {"Fn::GetAtt": ["Queue", "QueueName"]}},
    }
    body = json.dumps({"Resources": {"Queue": QUEUE, "Topic": topic}})
    answer = operator_client("cloudformation").validate_template(TemplateBody=body)
    assert "Parameters" in answer


def test_a_ref_to_nothing_is_still_invalid(operator_client: Callable[[str], Any]) -> None:
    bucket = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "Nowhere"}}}
    body = json.dumps({"Resources": {"Bucket": bucket}})
    with pytest.raises(ClientError) as caught:
        operator_client("cloudformation").validate_template(TemplateBody=body)
    assert "Nowhere" in str(caught.value)

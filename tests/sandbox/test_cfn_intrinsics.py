"""Intrinsic functions in a stack resolve as in AWS."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any


def _settled(cfn: Any, name: str) -> dict[str, Any]:
    for _ in range(100):
        stack: dict[str, Any] = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS"):
            return stack
        time.sleep(0.1)
    raise AssertionError(f"{name} did not settle")


def test_get_azs_of_the_region_reference_names_the_stacks_zones(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    region = cfn.meta.region_name
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "ByRef": {"Value": {"Fn::Select": [1, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}},
            "Empty": {"Value": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}},
        },
    }
    cfn.create_stack(StackName="get-azs", TemplateBody=json.dumps(template))
    stack = _settled(cfn, "get-azs")
    cfn.delete_stack(StackName="get-azs")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs == {"ByRef": f"{region}b", "Empty": f"{region}a"}


def test_ref_of_a_layer_version_is_its_version_arn(
    operator_client: Callable[[str], Any],
) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="layer-ref-code")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bin/tool", "#!/bin/sh\n")
    s3.put_object(Bucket="layer-ref-code", Key="layer.zip", Body=buffer.getvalue())
    cfn = operator_client("cloudformation")
    template = {
        "Resources": {
            "Tool": {
                "Type": "AWS::Lambda::LayerVersion",
                "Properties": {
                    "LayerName": "layer-ref-tool",
                    "Content": {"S3Bucket": "layer-ref-code", "S3Key": "layer.zip"},
                },
            }
        },
        "Outputs": {"Layer": {"Value": {"Ref": "Tool"}}},
    }
    cfn.create_stack(StackName="layer-ref", TemplateBody=json.dumps(template))
    stack = _settled(cfn, "layer-ref")
    cfn.delete_stack(StackName="layer-ref")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    [output] = stack["Outputs"]
    region = cfn.meta.region_name
    account = operator_client("sts").get_caller_identity()["Account"]
    assert output["OutputValue"] == f"arn:aws:lambda:{region}:{account}:layer:layer-ref-tool:1"


def test_a_mock_method_without_integration_method_is_created(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "mock-method"}},
            "Options": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "HttpMethod": "OPTIONS",
                    "AuthorizationType": "NONE",
                    "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": "{}"}},
                },
            },
        }
    }
    cfn.create_stack(StackName="mock-method", TemplateBody=json.dumps(template))
    stack = _settled(cfn, "mock-method")
    events = cfn.describe_stack_events(StackName="mock-method")["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events if "FAILED" in e["ResourceStatus"]]
    cfn.delete_stack(StackName="mock-method")
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons

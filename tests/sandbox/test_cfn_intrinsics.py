"""Intrinsic functions in a stack resolve as in AWS."""

from __future__ import annotations

import json
import time
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

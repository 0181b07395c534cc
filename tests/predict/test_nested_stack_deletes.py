"""`aws cloudformation delete-stack` of a parent deletes its nested stacks too: their deployed
templates, read with the parent's, predict their resources' deletes."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from autofix.config import Step
from autofix.predict.stack_templates import reader
from autofix.step.runner import StepResult

ACCOUNT = "123456789012"


def test_a_delete_predicts_the_nested_stacks_deletes() -> None:
    """`delete-stack` of a parent deletes its nested stacks: their deployed templates (read
    with the parent's) predict their resources' deletes, under the nested stack's name."""
    from autofix.predict.predictor import Predictor

    parent = {"Resources": {"Network": {"Type": "AWS::CloudFormation::Stack", "Properties": {}}}}
    nested = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}

    def templates(started: float, names: tuple[str, ...]) -> list[tuple[str, dict]]:
        return [("svc", parent), ("svc-Network-ABC123", nested)] if "svc" in names else []

    predictor = Predictor(
        lambda step: StepResult(1, "", "", 0.0), ACCOUNT, "us-east-1", templates=templates
    )
    step = Step("delete", "aws cloudformation delete-stack --stack-name svc", Path("."))
    predictor.before_step(step, ())
    predicted = {(r.action, r.resource) for g in predictor.groups for r in g.requirements}
    assert (
        "sqs:DeleteQueue",
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:svc-Network-ABC123-Queue-*",
    ) in predicted


class _Cfn:
    """A CloudFormation client with a root stack made long ago and its nested stack, listed
    among the root's resources by its ARN (AWS) or its name (the sandbox)."""

    def __init__(self, nested_id: str) -> None:
        self.nested_id = nested_id

    def get_paginator(self, name: str) -> Any:
        old = datetime(2020, 1, 1, tzinfo=UTC)
        stacks = [{"StackName": "svc", "StackId": "arn:stack/svc/1", "CreationTime": old}]
        return SimpleNamespace(paginate=lambda: [{"StackSummaries": stacks}])

    def list_stack_resources(self, StackName: str) -> dict[str, Any]:
        if StackName != "arn:stack/svc/1":
            return {"StackResourceSummaries": []}
        nested = {
            "ResourceType": "AWS::CloudFormation::Stack",
            "PhysicalResourceId": self.nested_id,
        }
        return {"StackResourceSummaries": [nested]}

    def list_change_sets(self, StackName: str) -> dict[str, Any]:
        return {"Summaries": []}

    def get_template(self, StackName: str, **_: Any) -> dict[str, Any]:
        return {"TemplateBody": json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})}


def test_a_named_stacks_nested_stacks_are_read_with_it() -> None:
    for nested_id in (
        "arn:aws:cloudformation:us-east-1:1:stack/svc-Network-AB/2",
        "svc-Network-AB",
    ):
        read = reader(_Cfn(nested_id))
        assert [name for name, _ in read(time.time(), ("svc",))] == ["svc", "svc-Network-AB"]

"""`aws cloudformation delete-stack` of a parent deletes its nested stacks too: their deployed
templates, read with the parent's, predict their resources' deletes."""

from __future__ import annotations

from pathlib import Path

from autofix.config import Step
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

"""The predict strategy inside the repair loop, with the unit fakes (no sandbox, no npm).

The package run is faked: it writes the template a `sls package` would into the
`--package` directory it is given. The predictor, the grantor and scoping are real.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any

from autofix.config import Step
from autofix.denials.model import Denial
from autofix.predict.hidden import Hidden
from autofix.predict.predictor import FROM_GROUP, FROM_TEMPLATE, Predictor
from autofix.predict.stack_templates import parse
from autofix.records.events import GrantAdded
from autofix.step.executor import Execution
from autofix.step.runner import StepResult
from tests.loop.test_loop_unit import ACCOUNT, FakeAccount, Need, rig

FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:shop-dev-f"
TEMPLATE = {
    "Resources": {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": "shop-dev-f",
                "Role": f"arn:aws:iam::{ACCOUNT}:role/shop-dev-role",
                "Code": {"ZipFile": "x"},
            },
        }
    }
}


def fake_package(packaged: list[str], template: dict[str, Any] | None = None) -> object:
    def run(step: Step) -> StepResult:
        words = shlex.split(step.run)
        packaged.append(step.run)
        out = Path(words[words.index("--package") + 1])
        out.mkdir(parents=True)
        written = TEMPLATE if template is None else template
        (out / "cloudformation-template-update-stack.json").write_text(json.dumps(written))
        state = {"service": {"service": "shop", "provider": {"stage": "dev"}}}
        (out / "serverless-state.json").write_text(json.dumps(state))
        return StepResult(0, "", "", 0.01)

    return run


class WithOperation(FakeAccount):
    """A fake account whose denials name the handler, as the sandbox's record does."""

    def execute(self, step: Step, attempt: int, phase: str = "discover"):  # type: ignore[no-untyped-def]
        execution = super().execute(step, attempt, phase)
        denials = tuple(
            Denial(d.action, d.resource, d.principal, operation="AWS::Lambda::Function update")
            for d in execution.denials
        )
        return replace(execution, denials=denials)


def test_predicted_needs_are_granted_before_the_first_attempt(tmp_path: Path) -> None:
    packaged: list[str] = []
    needs = {
        "deploy": [
            Need("lambda:CreateFunction", FUNCTION),
            Need("lambda:GetFunction", FUNCTION),
            Need("sns:ListTopics", "*"),  # not in the template: found by trial
        ]
    }
    r = rig(tmp_path, needs)
    r.loop.planner = Predictor(fake_package(packaged), ACCOUNT, "us-east-1")  # type: ignore[arg-type]
    r.loop.steps = (Step("deploy", "sls deploy --stage dev", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 2
    assert packaged and shlex.split(packaged[0])[:2] == ["sls", "package"]
    grants = [e for e in r.seen if isinstance(e, GrantAdded)]
    predicted = {g.action for g in grants if g.phase == "predict"}
    assert {"lambda:CreateFunction", "lambda:GetFunction", "iam:PassRole"} <= predicted
    assert {g.source for g in grants if g.phase == "predict"} == {FROM_TEMPLATE}
    assert [g.action for g in grants if g.phase != "predict"] == ["sns:ListTopics"]


def test_a_denial_in_a_predicted_group_grants_the_rest_of_it(tmp_path: Path) -> None:
    # the step updates the function: no create/delete group covers it, the update group does
    needs = {
        "deploy": [
            Need("lambda:UpdateFunctionConfiguration", FUNCTION),
            Need("lambda:UpdateFunctionCode", FUNCTION),
        ]
    }
    account = WithOperation(needs)
    r = rig(tmp_path, needs, account=account)
    r.loop.planner = Predictor(fake_package([]), ACCOUNT, "us-east-1")  # type: ignore[arg-type]
    r.loop.steps = (Step("deploy", "sls deploy --stage dev", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok
    assert outcome.attempts_total == 2  # one denial, then the whole update group
    grouped = {g.action for g in r.seen if isinstance(g, GrantAdded) and g.source == FROM_GROUP}
    assert "lambda:UpdateFunctionCode" in grouped


def test_a_step_not_packaged_ahead_is_predicted_from_the_stacks_it_touched(
    tmp_path: Path,
) -> None:
    reads: list[tuple[float, tuple[str, ...]]] = []

    def templates(started: float, names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        reads.append((started, names))
        return [("shop", TEMPLATE)]

    needs = {
        "deploy": [
            Need(
                "cloudformation:CreateStack",
                f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/shop/*",
            ),
            Need("lambda:CreateFunction", FUNCTION),
            Need("lambda:GetFunction", FUNCTION),
            Need("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/shop-dev-role"),
        ]
    }
    r = rig(tmp_path, needs)
    r.loop.planner = Predictor(  # type: ignore[assignment]
        fake_package([]), ACCOUNT, "us-east-1", templates=templates
    )
    r.loop.steps = (Step("deploy", "./deploy.sh", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok
    # attempt 1 is denied CreateStack; its stack's template brings the handler's demands
    assert outcome.attempts_total == 2
    assert len(reads) == 1
    from_template = {
        g.action for g in r.seen if isinstance(g, GrantAdded) and g.source == FROM_TEMPLATE
    }
    assert {"lambda:CreateFunction", "lambda:GetFunction", "iam:PassRole"} <= from_template


def test_yaml_short_forms_read_as_long_forms() -> None:
    body = (
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Role: !GetAtt R.Arn\n      FunctionName: !Sub '${AWS::StackName}-f'\n"
        "      Code: {S3Bucket: !Ref B}\n"
    )
    template = parse(body)
    assert template is not None
    props = template["Resources"]["F"]["Properties"]
    assert props["Role"] == {"Fn::GetAtt": ["R", "Arn"]}
    assert props["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-f"}
    assert props["Code"] == {"S3Bucket": {"Ref": "B"}}


def test_each_stack_the_step_touches_is_predicted_once_its_template_shows(
    tmp_path: Path,
) -> None:
    """SAM's way: the first attempts touch its managed bucket's stack, later ones the app's."""
    managed = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}}}}
    reads: list[int] = []

    def templates(started: float, names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        reads.append(1)
        shown = [("managed", managed)]
        return shown if len(reads) == 1 else [*shown, ("shop", TEMPLATE)]

    stack = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/{{}}/*"
    needs = {
        "deploy": [
            Need("cloudformation:CreateChangeSet", stack.format("managed")),
            Need("cloudformation:CreateChangeSet", stack.format("shop")),
            Need("lambda:CreateFunction", FUNCTION),
            Need("lambda:GetFunction", FUNCTION),
            Need("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/shop-dev-role"),
        ]
    }
    r = rig(tmp_path, needs)
    r.loop.planner = Predictor(  # type: ignore[assignment]
        fake_package([]), ACCOUNT, "us-east-1", templates=templates
    )
    r.loop.steps = (Step("deploy", "./deploy.sh", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok
    assert outcome.attempts_total == 3  # the app's stack showed at attempt 2: predicted then
    from_template = [
        (g.action, g.attempt)
        for g in r.seen
        if isinstance(g, GrantAdded) and g.source == FROM_TEMPLATE
    ]
    assert ("s3:CreateBucket", 1) in from_template
    assert {a for a, n in from_template if n == 2} >= {"lambda:GetFunction", "iam:PassRole"}
    assert [a for a, _ in from_template].count("s3:CreateBucket") == 1  # each stack once


def test_a_teardown_step_is_predicted_its_deletes(tmp_path: Path) -> None:
    def templates(started: float, names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        return [("shop", TEMPLATE)]

    needs = {
        "delete": [
            Need(
                "cloudformation:DeleteStack",
                f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/shop/*",
            ),
            Need("lambda:DeleteFunction", FUNCTION),
        ]
    }
    r = rig(tmp_path, needs)
    r.loop.planner = Predictor(  # type: ignore[assignment]
        fake_package([]), ACCOUNT, "us-east-1", templates=templates
    )
    r.loop.steps = (Step("delete", "sam delete --no-prompts", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 2
    from_template = {
        g.action for g in r.seen if isinstance(g, GrantAdded) and g.source == FROM_TEMPLATE
    }
    assert "lambda:DeleteFunction" in from_template
    assert "lambda:CreateFunction" not in from_template


def test_templates_are_read_before_the_attempts_stacks_are_cleaned_up(tmp_path: Path) -> None:
    """A stack left under review is deleted between attempts, its change set with it: the
    template is read before that (observe), and the prediction made from it (widen)."""
    shown: list[tuple[str, dict[str, Any]]] = [("shop", TEMPLATE)]
    predictor = Predictor(
        fake_package([]), ACCOUNT, "us-east-1", templates=lambda started, names: list(shown)
    )
    step = Step("deploy", "./deploy.sh", tmp_path)
    predictor.before_step(step, ())
    predictor.observe(step, 100.0)
    shown.clear()  # the cleanup: nothing is left to read
    denied = Denial("cloudformation:DescribeChangeSet", "arn:aws:cloudformation:*", "me")
    execution = Execution(step, 1, StepResult(1, "", "", 0.1), 100.0, (denied,))
    widened = predictor.widen(execution, [denied])
    assert {d.action for d in widened} >= {"lambda:GetFunction", "lambda:CreateFunction"}
    assert all(d.source == FROM_TEMPLATE for d in widened)


def test_an_update_predicts_deleting_what_the_new_template_drops(tmp_path: Path) -> None:
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "shop-dev-old"}}
    deployed = {"Resources": {**TEMPLATE["Resources"], "Old": queue}}
    reads: list[tuple[str, ...]] = []

    def templates(started: float, names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        reads.append(names)
        return [("shop-dev", deployed)] if "shop-dev" in names else []

    needs = {"deploy": [Need("sqs:DeleteQueue", f"arn:aws:sqs:us-east-1:{ACCOUNT}:shop-dev-old")]}
    r = rig(tmp_path, needs)
    r.loop.planner = Predictor(  # type: ignore[assignment]
        fake_package([]), ACCOUNT, "us-east-1", templates=templates
    )
    r.loop.steps = (Step("deploy", "sls deploy --stage dev", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 1
    assert reads == [("shop-dev",)]
    predicted = {g.action for g in r.seen if isinstance(g, GrantAdded) and g.phase == "predict"}
    assert "sqs:DeleteQueue" in predicted
    assert "lambda:DeleteFunction" not in predicted  # the function stays: not deleted


def test_a_retained_resource_is_not_predicted_a_delete() -> None:
    from autofix.policy.arn_formats import Place as ArnPlace
    from autofix.predict.template import Place, predict

    queue = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "kept"}}
    template = {"Resources": {"Kept": {**queue, "DeletionPolicy": "Retain"}, "Gone": queue}}
    place = Place("shop-dev", ArnPlace(ACCOUNT, "us-east-1", "aws"))
    deleted = {g.call.logical_id for g in predict(template, place, ("delete",))}
    assert deleted == {"Gone"}


def test_a_hidden_type_is_not_granted_ahead_and_its_first_denial_pays_for_its_siblings(
    tmp_path: Path,
) -> None:
    """All knowledge hidden (the benchmark's knob): a remove of two functions is granted
    nothing ahead; the first DeleteFunction denial, read from the output (no handler
    name), brings both functions' delete groups."""
    resources = {
        name: {
            "Type": "AWS::Lambda::Function",
            "Properties": {**TEMPLATE["Resources"]["Fn"]["Properties"], "FunctionName": name},
        }
        for name in ("shop-dev-a", "shop-dev-b")
    }
    template = {"Resources": {n.replace("-", ""): body for n, body in resources.items()}}
    first, second = (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:shop-dev-{x}" for x in "ab")
    needs = {"remove": [Need("lambda:DeleteFunction", first), Need("lambda:GetFunction", second)]}
    r = rig(tmp_path, needs)
    r.loop.planner = Predictor(  # type: ignore[assignment]
        fake_package([], template), ACCOUNT, "us-east-1", hidden=Hidden(types=lambda _: True)
    )
    r.loop.steps = (Step("remove", "sls remove --stage dev", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 2
    grants = [e for e in r.seen if isinstance(e, GrantAdded)]
    assert not [g for g in grants if g.phase == "predict"]  # hidden: nothing ahead
    grouped = {(g.action, g.resource) for g in grants if g.source == FROM_GROUP}
    assert {("lambda:DeleteFunction", second), ("lambda:GetFunction", second)} <= grouped
    assert [g.attempt for g in grants] == [1] * len(grants)  # all with the first denial
    assert not {a for a, _ in grouped} & {"lambda:CreateFunction", "lambda:UpdateFunctionCode"}


def test_a_package_run_needing_the_tools_own_calls_is_tried_again_with_them(
    tmp_path: Path,
) -> None:
    """A service with layers: `sls package` reads the deployed stack (DescribeStacks) and
    fails for a deployer with an empty policy. The profile's calls for the stack the step
    names are granted first, and the package run is tried again."""
    (tmp_path / "serverless.yml").write_text("service: shop\nprovider:\n  name: aws\n")
    packaged: list[str] = []
    package = fake_package(packaged)
    holder: dict[str, Any] = {}

    def run(step: Step) -> StepResult:
        if "cloudformation:DescribeStacks" not in holder["rig"].loop.deployer.policy.actions:
            return StepResult(1, "", "not authorized to perform: cloudformation:DescribeStacks", 0)
        return package(step)  # type: ignore[operator, no-any-return]

    needs = {"deploy": [Need("lambda:CreateFunction", FUNCTION)]}
    r = holder["rig"] = rig(tmp_path, needs)
    r.loop.planner = Predictor(run, ACCOUNT, "us-east-1", profile_name="osls-4")  # type: ignore[arg-type]
    r.loop.steps = (Step("deploy", "sls deploy --stage dev", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 1
    grants = [e for e in r.seen if isinstance(e, GrantAdded) and e.phase == "predict"]
    assert "cloudformation:DescribeStacks" in {g.action for g in grants}
    assert "lambda:CreateFunction" in {g.action for g in grants}
    assert len(packaged) == 1


def test_a_deploy_to_a_stack_that_exists_is_granted_its_updates_ahead(tmp_path: Path) -> None:
    """Not an update rehearsal: the same deploy command, a changed template. What the
    change set updates is predicted (its update handler), not the creates of the first."""
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "shop-dev-q"}}
    changed = {**queue, "Properties": {"QueueName": "shop-dev-q", "VisibilityTimeout": 60}}
    deployed = {"Resources": {**TEMPLATE["Resources"], "Q": queue}}
    template = {"Resources": {**TEMPLATE["Resources"], "Q": changed}}

    def templates(started: float, names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        return [("shop-dev", deployed)] if "shop-dev" in names else []

    queue_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:shop-dev-q"
    needs = {"deploy": [Need("sqs:SetQueueAttributes", queue_arn)]}
    r = rig(tmp_path, needs)
    r.loop.planner = Predictor(  # type: ignore[assignment]
        fake_package([], template), ACCOUNT, "us-east-1", templates=templates
    )
    r.loop.steps = (Step("deploy", "sls deploy --stage dev", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 1
    predicted = {g.action for g in r.seen if isinstance(g, GrantAdded) and g.phase == "predict"}
    assert "sqs:SetQueueAttributes" in predicted
    assert not predicted & {"sqs:CreateQueue", "lambda:CreateFunction"}  # nothing created

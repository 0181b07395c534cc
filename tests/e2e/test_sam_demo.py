"""`make sam-demo`: the SAM CLI (playground/sam-demo/.venv-sam) on the embedded sandbox.

One `autofix run --strategy trial` from an empty policy (deploy, its update rehearsal,
delete), read by most tests here. Trial, so the denials inside the SAM transform's
expansion are found one by one, as a deployer without the tool would meet them. One run
under `predict` (the default) shows the template read ahead and the `sam-1` profile
sparing those attempts.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autofix.records.events import DenialFound
from tests.conftest import REPO, CliResult, events_of, read_json, run_autofix
from tests.support.never_widens import widening_problems

pytestmark = pytest.mark.e2e

SAM_DEMO = REPO / "playground" / "sam-demo"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:autofix-sam-demo-HelloFunction-"


@dataclass(frozen=True)
class SamRun:
    directory: Path
    result: CliResult

    @property
    def out(self) -> Path:
        return self.directory / ".autofix"


def _sam_demo_run(tmp_path_factory: pytest.TempPathFactory, strategy: str) -> SamRun:
    if not (SAM_DEMO / ".venv-sam" / "bin" / "sam").exists():
        pytest.fail("the SAM demo's SAM CLI is not installed: run `make install`")
    directory = tmp_path_factory.mktemp(f"sam-{strategy}") / "sam-demo"
    shutil.copytree(
        SAM_DEMO, directory, ignore=shutil.ignore_patterns(".venv-sam", ".autofix", ".aws-sam")
    )
    (directory / ".venv-sam").symlink_to(SAM_DEMO / ".venv-sam")
    result = run_autofix(
        "run", "--strategy", strategy, "--config", str(directory / "autofix.toml"), timeout=1200
    )
    return SamRun(directory, result)


@pytest.fixture(scope="module")
def sam_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamRun]:
    yield _sam_demo_run(tmp_path_factory, "trial")


@pytest.fixture(scope="module")
def sam_predicted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamRun]:
    yield _sam_demo_run(tmp_path_factory, "predict")


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_sam_converges_from_an_empty_policy_and_replays_cleanly(sam_run: SamRun) -> None:
    assert sam_run.result.exit_code == 0, sam_run.result.output[-3000:]
    summary = read_json(sam_run.out / "summary.json")
    assert summary["ok"] is True and summary["verified"] is True
    assert [s["name"] for s in summary["steps"]] == ["deploy", "deploy (update)", "delete"]
    assert "the policy replayed cleanly" in sam_run.result.stderr


def test_a_function_made_by_the_transform_was_denied_and_granted(sam_run: SamRun) -> None:
    """lambda:CreateFunction exists only in the expanded template: the sandbox's
    CloudFormation checked the expanded function with the deployer's permissions."""
    denied = [
        e
        for e in events_of(sam_run.out / "ledger.jsonl", DenialFound)
        if e.action == "lambda:CreateFunction"
    ]
    assert denied and all((e.resource or "").startswith(FUNCTION) for e in denied)
    records = [
        r
        for r in (sam_run.out / "sandbox-denials.jsonl").read_text().splitlines()
        if '"lambda:CreateFunction"' in r
    ]
    assert records and all('"operation": "AWS::Lambda::Function create"' in r for r in records)


def test_the_final_policy_is_scoped_without_wildcard_actions(sam_run: SamRun) -> None:
    policy = read_json(sam_run.out / "policy.json")
    actions = {a for s in policy["Statement"] for a in _listed(s["Action"])}
    resources = {r for s in policy["Statement"] for r in _listed(s["Resource"])}
    assert not any("*" in a for a in actions), sorted(a for a in actions if "*" in a)
    assert "*" not in resources
    transform = "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31"
    assert transform in resources
    assert {
        "lambda:CreateFunction",
        "lambda:UpdateFunctionConfiguration",  # the rehearsal's changed parameters
        "dynamodb:CreateTable",
        "iam:PassRole",
        "apigateway:POST",
        "lambda:DeleteFunction",
    } <= actions


def test_pass_role_names_the_service_the_role_is_passed_to(sam_run: SamRun) -> None:
    """Issue 22: the functions' roles go to Lambda, and only there."""
    policy = read_json(sam_run.out / "policy.json")
    passing = [s for s in policy["Statement"] if "iam:PassRole" in _listed(s["Action"])]
    assert passing
    for statement in passing:
        assert statement["Condition"] == {
            "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
        }


def _actions(run: SamRun) -> set[str]:
    policy = read_json(run.out / "policy.json")
    return {a for s in policy["Statement"] for a in _listed(s["Action"])}


def test_predict_takes_one_attempt_per_step_with_trials_actions(
    sam_run: SamRun, sam_predicted: SamRun
) -> None:
    """The expanded template and the sam-1 profile, granted before each first attempt:
    measured 1 + 1 + 1 (issue 20: 17 + 5 + 7 before), the same 49 actions as trial."""
    assert sam_predicted.result.exit_code == 0, sam_predicted.result.output[-3000:]
    summary = read_json(sam_predicted.out / "summary.json")
    assert summary["ok"] is True and summary["verified"] is True
    attempts = [s["attempts"] for s in summary["steps"]]
    assert sum(attempts) <= 4, attempts  # issue 20's bar
    assert _actions(sam_predicted) == _actions(sam_run)


def test_no_merged_statement_or_pattern_widens(sam_run: SamRun, sam_predicted: SamRun) -> None:
    """Issue 22: every statement allows only what a grant did; no pattern cuts a name."""
    assert widening_problems(sam_run.out) == []
    assert widening_problems(sam_predicted.out) == []


def test_attaching_a_managed_policy_is_bound_to_the_functions(
    sam_run: SamRun, sam_predicted: SamRun
) -> None:
    """A SAM function's role attaches AWSLambdaBasicExecutionRole: the attach (and the
    delete's detach) is granted bound by iam:PolicyARN to it, in trial and predict, not
    for any managed policy (AdministratorAccess) on the deployment's roles."""
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    for run in (sam_run, sam_predicted):
        policy = read_json(run.out / "policy.json")
        verbs = {"iam:AttachRolePolicy", "iam:DetachRolePolicy"}
        attaching = [s for s in policy["Statement"] if verbs & set(_listed(s["Action"]))]
        assert {a for s in attaching for a in _listed(s["Action"])} >= verbs
        for statement in attaching:
            assert statement["Condition"] == {"ArnLike": {"iam:PolicyARN": basic}}, statement

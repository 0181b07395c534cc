"""`autofix check` on GitHub Actions: `::error` workflow commands, escaped, placed on the step."""

from __future__ import annotations

import json
from pathlib import Path

from autofix.denials.model import Denial, DenyKind
from autofix.loop.check import CheckOutcome, Missing, StepCheck
from autofix.report.github import github_annotations
from tests.conftest import AWS, run_autofix, write_config


def _missing(action: str | None, resource: str | None, fixable: bool = True) -> Missing:
    deny = DenyKind.IMPLICIT if fixable else DenyKind.SCP
    return Missing(Denial(action, resource, deny=deny), resource)


def _config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path,
        """
        # two steps
        [[steps]]
        name = "deploy, dev"
        run = "true"

        [[steps]]
        name = 'migrate'
        run = "true"
        """,
    )


def test_one_error_per_missing_action_on_the_step_line(tmp_path: Path) -> None:
    config = _config(tmp_path)
    outcome = CheckOutcome(
        ok=False,
        exit_code=1,
        steps=(
            StepCheck(
                "deploy, dev",
                False,
                1,
                2.0,
                (
                    _missing("sns:CreateTopic", "arn:aws:sns:us-east-1:123456789012:orders"),
                    _missing("s3:PutObject", None, fixable=False),
                ),
                "denied 2 action(s)",
            ),
        ),
        not_run=("migrate",),
    )
    lines = github_annotations(outcome, config, workspace=str(tmp_path))
    assert lines == [
        "::error file=autofix.toml,line=4,title=autofix check%3A deploy%2C dev::"
        "step deploy, dev needs sns:CreateTopic on arn:aws:sns:us-east-1:123456789012:orders, "
        "which the saved policy does not grant",
        "::error file=autofix.toml,line=4,title=autofix check%3A deploy%2C dev::"
        "step deploy, dev needs s3:PutObject, denied by a scp deny that a grant cannot fix",
    ]


def test_a_failure_without_denial_is_annotated_with_its_reason(tmp_path: Path) -> None:
    config = _config(tmp_path)
    outcome = CheckOutcome(
        ok=False,
        exit_code=1,
        steps=(
            StepCheck("deploy, dev", True, 0, 1.0),
            StepCheck("migrate", False, 3, 1.0, (), "failed (exit 3): 100% broken\nsee log"),
        ),
    )
    lines = github_annotations(outcome, config, workspace=str(tmp_path / "elsewhere"))
    assert lines == [
        f"::error file={config.as_posix()},line=8,title=autofix check%3A migrate::"
        "failed (exit 3): 100%25 broken%0Asee log"
    ]


def test_no_annotation_when_the_policy_still_works(tmp_path: Path) -> None:
    outcome = CheckOutcome(True, 0, (StepCheck("deploy, dev", True, 0, 1.0),))
    assert github_annotations(outcome, _config(tmp_path)) == []


def test_check_prints_annotations_when_github_actions_runs_it(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        f"""
        [[steps]]
        name = "topics"
        run = "{AWS} sns list-topics && {AWS} sns create-topic --name orders"
        """,
    )
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*"}],
            }
        )
    )
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)}
    result = run_autofix("check", "--config", str(config), "--policy", str(policy), env=env)
    assert result.exit_code == 1, result.output
    annotations = [line for line in result.output.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=autofix.toml,line=3,title=autofix check%3A topics::"
        "step topics needs sns:CreateTopic on "
        "arn:aws:sns:us-east-1:123456789012:orders, which the saved policy does not grant"
    ]

    quiet = run_autofix(
        "check", "--config", str(config), "--policy", str(policy), env={"GITHUB_ACTIONS": "false"}
    )
    assert quiet.exit_code == 1
    assert "::error" not in quiet.output

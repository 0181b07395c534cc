"""`[[setup]]` steps run as the sandbox's operator, before the deploy steps, and are recorded."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import boto3
import pytest

from autofix.account.session import Operator
from autofix.config import Step
from autofix.records.events import LedgerEvent, SetupRan
from autofix.records.ledger import Events
from autofix.step.runner import StepResult
from autofix.step.setup import SetupFailed, run_setup
from tests.conftest import run_autofix, write_config

OPERATOR = "arn:aws:iam::123456789012:user/autofix-operator"


def _operator(endpoint: str | None = "http://127.0.0.1:4566") -> Operator:
    session = boto3.Session(
        aws_access_key_id="AKOPERATOR", aws_secret_access_key="secret", region_name="eu-west-1"
    )
    return Operator(session, endpoint, "123456789012", OPERATOR, "eu-west-1")


def test_a_setup_step_runs_with_the_operators_keys_and_is_recorded(tmp_path: Path) -> None:
    seen: list[LedgerEvent] = []
    ran: list[tuple[str, Mapping[str, str]]] = []

    def runner(step: Step, env: Mapping[str, str]) -> StepResult:
        ran.append((step.name, env))
        return StepResult(0, "", "", 1.5)

    steps = [Step("bootstrap", "cdk bootstrap", tmp_path, env={"CDK_X": "1"})]
    environ = {"AWS_PROFILE": "prod", "HOME": "/home/ci"}
    run_setup(steps, _operator(), Events(seen.append), environ, runner)
    ((name, env),) = ran
    assert name == "bootstrap"
    assert env["AWS_ACCESS_KEY_ID"] == "AKOPERATOR" and "AWS_PROFILE" not in env
    assert env["AWS_ENDPOINT_URL"] == env["AWS_ENDPOINT_URL_IAM"] == "http://127.0.0.1:4566"
    assert (env["AUTOFIX_ACCOUNT_ID"], env["AUTOFIX_REGION"]) == ("123456789012", "eu-west-1")
    assert env["CDK_X"] == "1" and env["HOME"] == "/home/ci"
    assert seen == [
        SetupRan(
            step="bootstrap", command="cdk bootstrap", principal=OPERATOR, exit_code=0, seconds=1.5
        )
    ]


def test_a_failed_setup_step_stops_with_its_last_lines(tmp_path: Path) -> None:
    def runner(step: Step, env: Mapping[str, str]) -> StepResult:
        return StepResult(3, "", "bootstrap stack is in ROLLBACK_COMPLETE\n", 0.2)

    with pytest.raises(SetupFailed) as failed:
        run_setup([Step("bootstrap", "x", tmp_path)], _operator(), Events(), {}, runner)
    assert failed.value.exit_code == 1
    assert "setup step bootstrap failed (exit 3)" in str(failed.value)
    assert "ROLLBACK_COMPLETE" in str(failed.value)


def test_nothing_runs_as_the_operator_of_a_real_account(tmp_path: Path) -> None:
    def runner(step: Step, env: Mapping[str, str]) -> StepResult:
        raise AssertionError("ran")

    with pytest.raises(SetupFailed):
        run_setup([Step("b", "x", tmp_path)], _operator(endpoint=None), Events(), {}, runner)


def test_a_run_whose_setup_fails_exits_1_before_any_step(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        """
        [[setup]]
        name = "bootstrap"
        run = "echo preparing; exit 3"

        [[steps]]
        name = "deploy"
        run = "touch deployed"
        """,
    )
    result = run_autofix("run", "--no-verify", "--config", str(config))
    assert result.exit_code == 1, result.output
    assert "setup step bootstrap failed (exit 3)" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "deployed").exists()


def test_the_console_says_which_grants_go_to_a_managed_role() -> None:
    import io

    from autofix.console import Console
    from autofix.records.events import GrantAdded, RunStart

    out = io.StringIO()
    console = Console(out)
    deployer = "arn:aws:iam::123456789012:user/ci"
    role = "arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-us-east-1"
    console(RunStart(steps=["deploy"], deployer=deployer, start_actions=[]))
    for principal, action in ((deployer, "sts:AssumeRole"), (role, "sqs:CreateQueue")):
        console(
            GrantAdded(
                step="deploy", attempt=1, action=action, resource="r", new=True, principal=principal
            )
        )
    assert out.getvalue().splitlines() == [
        "    + granted sts:AssumeRole on r",
        f"    + granted sqs:CreateQueue on r · to {role.rsplit('/', 1)[1]}",
    ]

"""The CDK demo, end to end: two policies from one run, then the execution role's policy given
to `cdk bootstrap --cloudformation-execution-policies` in a fresh account, which deploys again.

One run (module-scoped) is read by every assertion: `autofix run` on a copy of
playground/cdk-demo from empty policies, with the fresh-account replay.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autofix.testing import IamSandbox
from tests.conftest import REPO, CliResult, read_json, run_autofix, venv_on_path
from tests.support.never_widens import widening_problems

pytestmark = [pytest.mark.e2e, pytest.mark.cdk]

DEMO = REPO / "playground" / "cdk-demo"
EXEC_ROLE = "cdk-hnb659fds-cfn-exec-role-123456789012-us-east-1"
NEVER = {"*", "*:*", "iam:*"}


def _path_env() -> dict[str, str]:
    """`aws` (awscli, beside this Python) on PATH for the setup step and the render script."""
    return venv_on_path()


def _actions(policy: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for statement in policy["Statement"]:
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in [resources] if isinstance(resources, str) else resources:
                pairs.append((action, resource))
    return pairs


@dataclass(frozen=True)
class CdkRun:
    directory: Path
    result: CliResult

    @property
    def out(self) -> Path:
        return self.directory / ".autofix"

    def policy(self, role: str | None = None) -> Any:
        return read_json(self.out / (f"policy-{role}.json" if role else "policy.json"))


@pytest.fixture(scope="module")
def cdk_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CdkRun]:
    if not (DEMO / "node_modules" / ".bin" / "cdk").exists():
        pytest.fail("the CDK demo's npm packages are not installed: run `make install`")
    directory = tmp_path_factory.mktemp("cdk") / "cdk-demo"
    shutil.copytree(
        DEMO, directory, ignore=shutil.ignore_patterns("node_modules", ".autofix", "cdk.out")
    )
    (directory / "node_modules").symlink_to(DEMO / "node_modules")
    result = run_autofix(
        "run", "--config", str(directory / "autofix.toml"), timeout=3600, env=_path_env()
    )
    (directory / "autofix-run.txt").write_text(result.output)  # for a person reading a failure
    yield CdkRun(directory, result)


def test_both_policies_converge_and_replay_cleanly_in_a_fresh_account(cdk_run: CdkRun) -> None:
    assert cdk_run.result.exit_code == 0, cdk_run.result.output[-3000:]
    summary = read_json(cdk_run.out / "summary.json")
    assert summary["ok"] is True
    assert summary["verified"] is True and summary["verification"] == "replayed"
    assert [s["name"] for s in summary["steps"]] == ["deploy", "deploy (update)", "destroy"]
    ledger = [json.loads(x) for x in (cdk_run.out / "ledger.jsonl").read_text().splitlines()]
    setup = [e for e in ledger if e["event"] == "setup_ran"]
    assert [(e["step"], e["exit_code"]) for e in setup] == [("bootstrap", 0)]
    assert setup[0]["principal"].endswith(":user/autofix-operator")  # not the deployer


def test_predict_reads_every_stack_ahead_and_takes_at_most_four_attempts(cdk_run: CdkRun) -> None:
    """`cdk synth` into a temporary directory before each step: the execution role's demands
    granted to it before the first attempt (issue 20: 5 + 6 + 2 attempts before; measured
    2 + 1 + 1 without the cdk-2 profile, 1 + 1 + 1 with it)."""
    summary = read_json(cdk_run.out / "summary.json")
    attempts = [s["attempts"] for s in summary["steps"]]
    assert sum(attempts) <= 4, attempts
    ledger = [json.loads(x) for x in (cdk_run.out / "ledger.jsonl").read_text().splitlines()]
    ahead = {
        e["action"]
        for e in ledger
        if e["event"] == "grant_added"
        and e["phase"] == "predict"
        and EXEC_ROLE in (e.get("principal") or "")
    }
    assert {"lambda:CreateFunction", "sqs:CreateQueue"} <= ahead


def test_the_deployer_assumes_the_bootstrap_roles_and_deploys_nothing_itself(
    cdk_run: CdkRun,
) -> None:
    pairs = _actions(cdk_run.policy())
    assumed = {resource for action, resource in pairs if action == "sts:AssumeRole"}
    assert assumed and all(":role/cdk-hnb659fds-" in r for r in assumed)
    actions = {action for action, _ in pairs}
    assert not actions & {"lambda:CreateFunction", "sqs:CreateQueue", "iam:CreateRole"}
    assert not actions & NEVER


def test_the_execution_role_passes_the_function_role_to_lambda_only(cdk_run: CdkRun) -> None:
    """Issue 22: the app's function role goes to Lambda, and only there."""
    statements = cdk_run.policy(EXEC_ROLE)["Statement"]
    passing = [s for s in statements if "iam:PassRole" in s["Action"]]
    assert passing
    for statement in passing:
        assert statement["Condition"] == {
            "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
        }


def test_the_execution_role_holds_what_the_app_needs_and_no_wildcard(cdk_run: CdkRun) -> None:
    pairs = _actions(cdk_run.policy(EXEC_ROLE))
    actions = {action for action, _ in pairs}
    assert {"lambda:CreateFunction", "sqs:CreateQueue", "iam:CreateRole"} <= actions
    assert {"lambda:DeleteFunction", "sqs:DeleteQueue"} <= actions  # cdk destroy
    assert not actions & NEVER
    assert all(resource != "*" for action, resource in pairs if action.startswith("iam:"))
    # the Lambda asset's key is its SHA-256: a grant on it would break at the next code change
    assert not any(re.search(r"[0-9a-f]{64}", resource) for _, resource in pairs)


def test_the_rendered_execution_policy_bootstraps_a_fresh_account_that_deploys(
    cdk_run: CdkRun, tmp_path: Path
) -> None:
    assert cdk_run.result.exit_code == 0, "the run failed: see the first test"
    script = run_autofix(
        "render", str(cdk_run.out / f"policy-{EXEC_ROLE}.json"), "--format", "cdk-bootstrap"
    )
    assert script.exit_code == 0, script.output
    work = tmp_path / "cdk-demo"
    shutil.copytree(
        cdk_run.directory,
        work,
        symlinks=True,
        ignore=shutil.ignore_patterns(".autofix", "cdk.out"),
    )
    (work / "bootstrap.sh").write_text(script.stdout)
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    path = f"{work / 'node_modules' / '.bin'}{os.pathsep}{_path_env()['PATH']}"
    with IamSandbox.start(tmp_path / "sandbox") as sandbox:

        def sh(command: str, session: Any) -> subprocess.CompletedProcess[str]:
            env = {
                **base,
                **session.env(),
                "PATH": path,
                "CDK_DISABLE_CLI_TELEMETRY": "true",
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            }
            return subprocess.run(
                ["sh", "-c", command],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                stdin=subprocess.DEVNULL,
            )

        admin = sandbox.admin_session()
        booted = sh("sh bootstrap.sh", admin)
        assert booted.returncode == 0, booted.stdout[-2000:] + booted.stderr[-2000:]
        attached = admin.client("iam").list_attached_role_policies(RoleName=EXEC_ROLE)
        assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == ["autofix-cdk-exec"]

        deployer = sandbox.principal(cdk_run.policy())
        deployed = sh("cdk deploy --require-approval never", deployer)
        assert deployed.returncode == 0, deployed.stdout[-2000:] + deployed.stderr[-2000:]
        stack = admin.client("cloudformation").describe_stacks(StackName="autofix-cdk-demo-dev")
        assert stack["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        assert not [d for d in sandbox.denials() if "cfn-exec-role" in d.principal]


def test_no_merged_statement_or_pattern_widens(cdk_run: CdkRun) -> None:
    """Issue 22: both policies allow only what a grant did; no pattern cuts a name."""
    assert widening_problems(cdk_run.out) == []

"""The playground's discovered policy survives the lifecycle CI lives (issue 11).

`autofix check` replays it on: deploy dev, redeploy after a code change, redeploy after a
configuration change (memory size and an environment variable), remove dev. Without what
the update rehearsal discovered, the same check fails naming the update action.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, run_autofix
from tests.e2e.conftest import PlaygroundRun, copy_playground

pytestmark = pytest.mark.e2e

ENV = 'env = { SLS_AWS_MONITORING_FREQUENCY = "250", SLS_TELEMETRY_DISABLED = "1" }'
LIFECYCLE = f"""
[sandbox]
kind = "local"

[principal]
name = "autofix-demo-deployer"

[[steps]]
name = "deploy-dev"
run = "sls deploy --stage dev"
rehearse = false
{ENV}

[[steps]]
name = "redeploy-code"
run = "printf '\\\\n# changed\\\\n' >> handler.py && sls deploy --stage dev"
rehearse = false
{ENV}

[[steps]]
name = "redeploy-config"
run = "sls deploy --stage dev"
rehearse = false
env = {{ DEMO_MEMORY_SIZE = "512", DEMO_GREETING = "hi", SLS_AWS_MONITORING_FREQUENCY = "250" }}

[[steps]]
name = "remove-dev"
run = "sls remove --stage dev"
{ENV}
"""


def check(
    directory: Path, policy: dict[str, Any], config: str = "autofix.toml"
) -> tuple[CliResult, dict[str, Any]]:
    saved = directory / "saved-policy.json"
    saved.write_text(json.dumps(policy))
    result = run_autofix(
        "check", "--config", str(directory / config), "--policy", str(saved), "--json", timeout=900
    )
    return result, json.loads(result.stdout) if result.stdout.strip() else {}


def without_rehearsal(run: PlaygroundRun) -> dict[str, Any]:
    """The discovered policy minus the actions only the update rehearsal needed."""
    rehearsed = {
        a.lower()
        for s in run.summary["steps"]
        if s["name"].endswith(" (update)")
        for a in s["actions"]
    }
    assert "lambda:updatefunctioncode" in rehearsed
    policy = run.policy
    for statement in policy["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        statement["Action"] = [a for a in actions if a.lower() not in rehearsed]
    policy["Statement"] = [s for s in policy["Statement"] if s["Action"]]
    return policy


@pytest.fixture(scope="module")
def lifecycle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = copy_playground(tmp_path_factory.mktemp("lifecycle") / "serverless-demo")
    (directory / "lifecycle.toml").write_text(LIFECYCLE, encoding="utf-8")
    return directory


def test_the_discovered_policy_survives_code_and_configuration_changes(
    playground_run: PlaygroundRun, lifecycle_dir: Path
) -> None:
    assert playground_run.result.exit_code == 0, playground_run.result.output[-3000:]
    result, report = check(lifecycle_dir, playground_run.policy, "lifecycle.toml")
    assert result.exit_code == 0, result.output[-3000:]
    assert [s["name"] for s in report["steps"]] == [
        "deploy-dev",
        "redeploy-code",
        "redeploy-config",
        "remove-dev",
    ]
    assert all(s["ok"] for s in report["steps"])


def test_without_the_rehearsal_the_second_deploy_is_denied_its_update(
    playground_run: PlaygroundRun, lifecycle_dir: Path
) -> None:
    result, report = check(lifecycle_dir, without_rehearsal(playground_run), "lifecycle.toml")
    assert result.exit_code == 1, result.output[-3000:]
    failed = [s for s in report["steps"] if not s["ok"]]
    assert [s["name"] for s in failed] == ["redeploy-code"]
    assert "lambda:UpdateFunctionCode" in {m["action"] for m in failed[0]["missing"]}
    assert "missing lambda:UpdateFunctionCode" in result.stderr


def test_check_replays_the_rehearsal_too(playground_run: PlaygroundRun, tmp_path: Path) -> None:
    directory = copy_playground(tmp_path / "serverless-demo")
    result, report = check(directory, without_rehearsal(playground_run))
    assert result.exit_code == 1, result.output[-3000:]
    assert [s["name"] for s in report["steps"]] == ["deploy-dev", "deploy-dev (update)"]
    assert report["steps"][1]["ok"] is False
    assert report["not_run"] == ["deploy-production", "remove-dev"]

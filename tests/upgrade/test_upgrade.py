"""Issue 7's upgrade demo: a policy discovered on Serverless 3 is checked after the upgrade to
osls 4; `check` names exactly what is newly missing, `run --from` widens only that.

Drives the real Serverless Framework CLIs against the embedded sandbox.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autofix.records.events import GrantAdded
from tests.conftest import events_of, read_json, run_autofix
from tests.upgrade.conftest import UpgradeCheck, UpgradeRun, V3Run, granted_actions

pytestmark = pytest.mark.e2e

# serverless-localstack answers validateTemplate itself (Serverless 3 offline); osls 4 sends it.
VALIDATION = "cloudformation:ValidateTemplate"


def test_serverless_3_rediscovers_what_it_needs(v3_run: V3Run) -> None:
    assert v3_run.result.exit_code == 0, v3_run.result.output[-3000:]
    summary = v3_run.summary
    assert [s["name"] for s in summary["steps"]] == [
        "deploy-dev",
        "deploy-production",
        "remove-dev",
    ]
    assert all(s["ok"] for s in summary["steps"])
    found = {a for s in summary["steps"] for a in s["actions"]}
    # only CloudFormation actions were taken out of the start policy, and most come back
    assert found <= v3_run.taken_out
    assert {"cloudformation:DescribeStacks", "cloudformation:CreateChangeSet"} <= found
    assert VALIDATION not in granted_actions(read_json(v3_run.policy_path))


def test_check_names_exactly_the_actions_the_upgrade_needs(
    v3_run: V3Run, upgrade_check: UpgradeCheck, upgrade_run: UpgradeRun
) -> None:
    assert upgrade_check.result.exit_code == 1, upgrade_check.result.output[-3000:]
    report = upgrade_check.report
    assert report["ok"] is False
    failed = [s for s in report["steps"] if not s["ok"]]
    assert [s["name"] for s in failed] == ["deploy-dev"]
    assert report["not_run"] == ["deploy-production", "remove-dev"]
    missing = failed[0]["missing"]
    assert [m["action"] for m in missing] == [VALIDATION]
    # what `run --from` had to add on the upgraded service is exactly what check named
    widened = {a for s in upgrade_run.summary["steps"] for a in s["actions"]}
    assert {m["action"] for m in missing} == widened
    for m in missing:
        assert m["fixable"] is True and m["deny"] == "implicit"
        assert m["resource"] == "*" and m["grant_resource"] == "*"
        assert m["action"] in m["excerpt"]
        assert "not authorized" in m["excerpt"]
    assert "missing cloudformation:ValidateTemplate" in upgrade_check.result.stderr


def test_patch_adds_just_the_missing_actions(v3_run: V3Run, upgrade_check: UpgradeCheck) -> None:
    patch = read_json(upgrade_check.patch)
    assert granted_actions(patch) == {VALIDATION}
    assert [s["Resource"] for s in patch["Statement"]] == ["*"]
    assert upgrade_check.report["patch"] == patch
    # nothing in the patch was already granted
    assert not granted_actions(patch) & granted_actions(read_json(v3_run.policy_path))


def test_run_from_widens_only_what_is_newly_missing(v3_run: V3Run, upgrade_run: UpgradeRun) -> None:
    assert upgrade_run.result.exit_code == 0, upgrade_run.result.output[-3000:]
    summary = upgrade_run.summary
    assert all(s["ok"] for s in summary["steps"])
    assert [s["actions"] for s in summary["steps"]] == [[VALIDATION], [], []]
    before = granted_actions(read_json(v3_run.policy_path))
    after = granted_actions(read_json(upgrade_run.out / "policy.json"))
    assert after - before == {VALIDATION}
    assert before <= after
    granted = events_of(upgrade_run.out / "ledger.jsonl", GrantAdded)
    assert [(e.action, e.new) for e in granted] == [(VALIDATION, True)]
    assert "1 new action" in upgrade_run.result.stderr


def test_check_annotates_github_actions_runs(v3_run: V3Run, upgrade_check: UpgradeCheck) -> None:
    config = v3_run.root / "osls" / "autofix.toml"
    result = run_autofix(
        "check",
        "--config",
        str(config),
        "--policy",
        str(v3_run.policy_path),
        "--out",
        str(v3_run.root / "check-gha-out"),
        env={"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(v3_run.root)},
        timeout=900,
    )
    assert result.exit_code == 1, result.output[-3000:]
    annotations = [line for line in result.output.splitlines() if line.startswith("::")]
    line = _line_of(config, 'name = "deploy-dev"')
    assert annotations == [
        f"::error file=osls/autofix.toml,line={line},title=autofix check%3A deploy-dev::"
        f"step deploy-dev needs {VALIDATION} on *, which the saved policy does not grant"
    ]


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)

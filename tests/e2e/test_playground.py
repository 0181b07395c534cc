"""The README's first command: the playground from an empty policy to four green steps.

Drives the real Serverless Framework CLI (osls) against the embedded sandbox.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autofix.policy.actions_catalog import lookup
from tests.conftest import read_json, run_autofix
from tests.e2e.conftest import PlaygroundRun, copy_playground
from tests.support.never_widens import widening_problems

pytestmark = pytest.mark.e2e

# What a real account demands of a Serverless Framework deploy (issue 4).
REAL_ACCOUNT_ACTIONS = {
    "cloudformation:CreateChangeSet",
    "cloudformation:DescribeStacks",
    "s3:CreateBucket",
    "s3:PutBucketPolicy",
    "iam:CreateRole",
    "iam:PassRole",
    "lambda:CreateFunction",
    "logs:CreateLogGroup",
    "apigateway:POST",
}


def granted(policy: dict) -> dict[str, list[str]]:
    """action -> resources it is granted on."""
    found: dict[str, list[str]] = {}
    for statement in policy["Statement"]:
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in [actions] if isinstance(actions, str) else actions:
            found.setdefault(action, []).extend(
                [resources] if isinstance(resources, str) else resources
            )
    return found


def test_every_step_succeeds_from_an_empty_policy(playground_run: PlaygroundRun) -> None:
    assert playground_run.result.exit_code == 0, playground_run.result.output[-3000:]
    summary = playground_run.summary
    assert summary["ok"] is True
    assert [s["name"] for s in summary["steps"]] == [
        "deploy-dev",
        "deploy-dev (update)",
        "deploy-production",
        "remove-dev",
    ]
    assert all(s["ok"] for s in summary["steps"])
    assert summary["attempts_total"] == sum(s["attempts"] for s in summary["steps"])
    first_step = summary["steps"][0]["actions"]
    assert first_step[0] == "cloudformation:DescribeStacks"
    every_action = {a for s in summary["steps"] for a in s["actions"]}
    assert set(granted(playground_run.policy)) == every_action
    assert "every step succeeded" in playground_run.result.stderr
    assert "deploy-production" in playground_run.result.stderr


def test_policy_has_what_a_real_account_demands(playground_run: PlaygroundRun) -> None:
    actions = set(granted(playground_run.policy))
    assert actions >= REAL_ACCOUNT_ACTIONS
    assert {a.split(":")[0] for a in actions} >= {
        "cloudformation",
        "s3",
        "iam",
        "lambda",
        "logs",
        "apigateway",
    }


def test_resource_star_only_where_iam_has_no_resource_level_permission(
    playground_run: PlaygroundRun,
) -> None:
    for action, resources in granted(playground_run.policy).items():
        if "*" in resources:
            info = lookup(action)
            assert info is not None and not info.supports_resource_level, action
    # scoped to the service, for every stage
    iam_resources = granted(playground_run.policy)["iam:PassRole"]
    assert iam_resources == ["arn:aws:iam::123456789012:role/autofix-demo-*-us-east-1-lambdaRole"]


def test_pass_role_names_the_service_the_role_is_passed_to(playground_run: PlaygroundRun) -> None:
    """Issue 22: the function's role goes to Lambda, and only there."""
    [statement] = [s for s in playground_run.policy["Statement"] if "iam:PassRole" in s["Action"]]
    assert statement["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }


def test_escalation_actions_are_flagged_with_why(playground_run: PlaygroundRun) -> None:
    flags = {f["action"]: f for f in playground_run.summary["flags"]}
    assert "iam:PassRole" in flags
    assert flags["iam:PassRole"]["resource"] != "*"
    assert flags["iam:PassRole"]["risk"]


def test_saved_policy_passes_check(playground_run: PlaygroundRun, tmp_path: Path) -> None:
    import json

    directory = copy_playground(tmp_path / "serverless-demo")
    policy = playground_run.policy
    # one grant the deploy never needs: check names it as unused
    policy["Statement"].append(
        {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": "arn:aws:sns:*:*:alerts"}
    )
    saved = tmp_path / "policy.json"
    saved.write_text(json.dumps(policy))
    result = run_autofix(
        "check",
        "--config",
        str(directory / "autofix.toml"),
        "--policy",
        str(saved),
        "--json",
        timeout=900,
    )
    assert result.exit_code == 0, result.output[-3000:]
    assert "the saved policy still works" in result.stderr
    report = json.loads(result.stdout)
    assert all(s["ok"] for s in report["steps"]) and report["not_run"] == []
    assert "sns:Publish" in report["unused"]
    assert "iam:PassRole" not in report["unused"]
    assert "cloudformation:CreateChangeSet" not in report["unused"]


def test_check_names_exactly_the_missing_action(
    playground_run: PlaygroundRun, tmp_path: Path
) -> None:
    directory = copy_playground(tmp_path / "serverless-demo")
    policy = playground_run.policy
    for statement in policy["Statement"]:
        if isinstance(statement["Action"], list) and "iam:PassRole" in statement["Action"]:
            statement["Action"].remove("iam:PassRole")
    # iam:PassRole has a statement of its own (its iam:PassedToService condition): drop it
    kept = [s for s in policy["Statement"] if s["Action"] not in ([], "iam:PassRole")]
    policy["Statement"] = kept
    saved = tmp_path / "policy-minus-one.json"
    import json

    saved.write_text(json.dumps(policy))
    patch = tmp_path / "patch.json"
    result = run_autofix(
        "check",
        "--config",
        str(directory / "autofix.toml"),
        "--policy",
        str(saved),
        "--write-patch",
        str(patch),
        "--json",
        timeout=900,
    )
    assert result.exit_code == 1, result.output[-3000:]
    report = json.loads(result.stdout)
    failed = [s for s in report["steps"] if not s["ok"]]
    assert [s["name"] for s in failed] == ["deploy-dev"]
    assert [m["action"] for m in failed[0]["missing"]] == ["iam:PassRole"]
    assert report["not_run"] == ["deploy-dev (update)", "deploy-production", "remove-dev"]
    patch_actions = [a for s in read_json(patch)["Statement"] for a in s["Action"]]
    assert patch_actions == ["iam:PassRole"]
    assert "missing iam:PassRole" in result.stderr


def test_portable_policy_works_in_a_second_account(
    playground_run: PlaygroundRun, tmp_path: Path
) -> None:
    rendered = run_autofix("render", str(playground_run.out / "policy.json"), "--portable", "plain")
    assert rendered.exit_code == 0, rendered.output
    assert "123456789012" not in rendered.stdout and "us-east-1" not in rendered.stdout
    assert "arn:aws:iam::<account_no>:role/autofix-demo-*-<region>-lambdaRole" in rendered.stdout
    portable = tmp_path / "portable.json"
    portable.write_text(rendered.stdout)

    directory = copy_playground(tmp_path / "serverless-demo")
    config = directory / "autofix.toml"
    config.write_text(
        config.read_text().replace('kind = "local"', 'kind = "local"\naccount_id = "210987654321"')
    )
    result = run_autofix("check", "--config", str(config), "--policy", str(portable), timeout=900)
    assert result.exit_code == 0, result.output[-3000:]
    assert "account 210987654321" in result.stderr


def test_no_merged_statement_or_pattern_widens(playground_run: PlaygroundRun) -> None:
    """Issue 22: every statement allows only what a grant did; no pattern cuts a name."""
    assert widening_problems(playground_run.out) == []

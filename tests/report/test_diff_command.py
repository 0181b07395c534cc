"""`autofix diff A B`: runs (output directories) and policies, exit 0 equal / 1 differ / 2 bad."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import read_json, run_autofix

from .conftest import RealRuns
from .outdirs import DEPLOYER, LedgerWriter, allow, write_out_dir
from .test_report_command import assert_one_line_error


def diff_json(a: Path, b: Path) -> tuple[int, dict[str, Any]]:
    result = run_autofix("diff", str(a), str(b), "--json")
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, data


def test_upgrade_that_needs_one_more_action_is_named(real_runs: RealRuns) -> None:
    code, data = diff_json(real_runs.first, real_runs.upgraded)
    assert code == 1 and data["kind"] == "runs" and data["equal"] is False
    steps = {s["name"]: s for s in data["steps"]}
    assert steps["params"]["added"] == ["ssm:GetParameter"]
    assert steps["params"]["removed"] == []
    # the upgraded run started from the first run's policy: nothing there was re-found,
    # and that is not a removal
    assert steps["topics"]["added"] == steps["topics"]["removed"] == []
    assert steps["topics"]["covered_by_start_policy"] == ["sns:CreateTopic", "sns:ListTopics"]
    assert data["policy"]["actions"] == {"added": ["ssm:GetParameter"], "removed": []}
    text = run_autofix("diff", str(real_runs.first), str(real_runs.upgraded))
    assert text.exit_code == 1
    assert "step params: ok\n  + ssm:GetParameter\n" in text.stdout
    assert "step topics" not in text.stdout


def test_policies_of_two_real_runs(real_runs: RealRuns) -> None:
    old, new = real_runs.first / "policy.json", real_runs.upgraded / "policy.json"
    code, data = diff_json(old, new)
    assert code == 1 and data["kind"] == "policies"
    assert data["policy"]["actions"] == {"added": ["ssm:GetParameter"], "removed": []}
    # scoped to the parameter the sandbox named in its denial
    assert data["policy"]["pairs"]["added"] == [
        {
            "action": "ssm:GetParameter",
            "resource": "arn:aws:ssm:us-east-1:123456789012:parameter/app/colour",
        }
    ]
    reverse = run_autofix("diff", str(new), str(old))
    assert reverse.exit_code == 1 and "  - ssm:GetParameter" in reverse.stdout
    # a directory stands for its policy.json when compared with a file
    assert diff_json(real_runs.first, old) == (
        0,
        diff_json(old, old)[1] | {"a": str(real_runs.first)},
    )


def test_a_run_equals_itself(real_runs: RealRuns) -> None:
    result = run_autofix("diff", str(real_runs.first), str(real_runs.first))
    assert result.exit_code == 0, result.output
    assert "no difference" in result.stdout


def test_resource_change_is_a_difference_even_with_the_same_actions(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    a.write_text(json.dumps(allow("s3:PutObject", "sns:Publish")))
    b.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "SNS:publish", "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": ["s3:PutObject"],
                        "Resource": ["arn:aws:s3:::bucket/*"],
                    },
                ],
            }
        )
    )
    code, data = diff_json(a, b)
    assert code == 1
    # IAM action names ignore case: SNS:publish is sns:Publish
    assert data["policy"]["actions"] == {"added": [], "removed": []}
    assert data["policy"]["pairs"] == {
        "added": [{"action": "s3:PutObject", "resource": "arn:aws:s3:::bucket/*"}],
        "removed": [{"action": "s3:PutObject", "resource": "*"}],
    }
    text = run_autofix("diff", str(a), str(b)).stdout
    assert "  + s3:PutObject on arn:aws:s3:::bucket/*\n  - s3:PutObject on *\n" in text


def test_deny_and_condition_statements_count(tmp_path: Path) -> None:
    base = allow("sns:Publish")
    denied = allow("sns:Publish")
    denied["Statement"].append({"Effect": "Deny", "Action": "sns:Publish", "Resource": "*"})
    conditioned = allow("sns:Publish")
    conditioned["Statement"][0]["Condition"] = {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"}
    }
    paths = {}
    for name, doc in (("base", base), ("denied", denied), ("conditioned", conditioned)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(doc))
    code, data = diff_json(paths["base"], paths["denied"])
    assert code == 1
    assert data["policy"]["pairs"]["added"] == [{"action": "deny sns:Publish", "resource": "*"}]
    code, data = diff_json(paths["base"], paths["conditioned"])
    assert code == 1 and "eu-west-1" in data["policy"]["pairs"]["added"][0]["resource"]


def test_step_that_now_fails_is_a_difference(tmp_path: Path) -> None:
    def out_dir(name: str, ok: bool) -> Path:
        ledger = LedgerWriter().add(
            "run_start", steps=["deploy"], deployer=DEPLOYER, start_actions=[]
        )
        summary = {
            "ok": ok,
            "exit_code": 0 if ok else 1,
            "attempts_total": 2,
            "seconds": 1.0,
            "reason": None if ok else "no progress",
            "steps": [
                {
                    "name": "deploy",
                    "ok": ok,
                    "attempts": 2,
                    "seconds": 1.0,
                    "actions": ["sns:Publish"],
                }
            ],
            "flags": [],
        }
        return write_out_dir(tmp_path / name, ledger, summary, allow("sns:Publish"))

    before, after = out_dir("before", True), out_dir("after", False)
    result = run_autofix("diff", str(before), str(after))
    assert result.exit_code == 1
    assert "step deploy: ok -> failed" in result.stdout
    summary = read_json(after / "summary.json")
    assert summary["steps"][0]["actions"] == ["sns:Publish"]


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, real_runs: RealRuns) -> None:
    policy = real_runs.first / "policy.json"
    assert_one_line_error(
        run_autofix("diff", str(tmp_path / "gone.json"), str(policy)), "gone.json"
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"Statement": [')
    assert_one_line_error(run_autofix("diff", str(broken), str(policy)), "not valid JSON")
    not_policy = tmp_path / "summary.json"
    not_policy.write_text('{"ok": true}')
    assert_one_line_error(run_autofix("diff", str(not_policy), str(policy)), "not an IAM policy")
    bad_action = tmp_path / "bad-action.json"
    bad_action.write_text('{"Statement": [{"Effect": "Allow", "Action": 7}]}')
    assert_one_line_error(run_autofix("diff", str(bad_action), str(policy)), "statement 1")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run_autofix("diff", str(empty), str(policy)), "no policy.json")
    assert_one_line_error(
        run_autofix("diff", str(empty), str(real_runs.first)), "not an autofix output directory"
    )

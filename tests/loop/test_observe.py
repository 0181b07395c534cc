"""`--strategy observe`: one soft attempt per step, then the enforced verify pass.

The service is a CloudFormation stack (its resources created by the sandbox's handlers
with the deployer's permissions) plus direct client calls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autofix.records.events import DenialFound, RunStart, VerifyRoundEnd
from tests.conftest import AWS, ledger_events, read_json, run_autofix, write_config


def service(tmp_path: Path) -> Path:
    template = tmp_path / "template.json"
    template.write_text(
        json.dumps(
            {
                "Resources": {
                    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "orders"}},
                    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}},
                }
            }
        )
    )
    run = (
        f"{AWS} sns list-topics"
        f" && {AWS} cloudformation create-stack --stack-name shop"
        f" --template-body file://{template}"
        f" && {AWS} cloudformation wait stack-create-complete --stack-name shop"
    )
    return write_config(tmp_path, f'[[steps]]\nname = "deploy"\nrun = "{run}"\n')


def actions(out: Path) -> set[str]:
    policy: dict[str, Any] = read_json(out / "policy.json")
    return {a for s in policy["Statement"] for a in s["Action"]}


def test_observe_grants_in_one_attempt_what_trial_finds_one_by_one(tmp_path: Path) -> None:
    config = service(tmp_path)
    observed = run_autofix(
        "run", "--config", str(config), "--strategy", "observe", "--out", str(tmp_path / "obs")
    )
    assert observed.exit_code == 0, observed.output
    summary = read_json(tmp_path / "obs" / "summary.json")
    assert summary["strategy"] == "observe"
    assert summary["verified"] is True and summary["verification"] == "replayed"
    assert summary["attempts_total"] == 1 and summary["steps"][0]["attempts"] == 1
    events = ledger_events(tmp_path / "obs" / "ledger.jsonl")
    assert isinstance(events[0], RunStart) and events[0].strategy == "observe"
    soft = [e for e in events if isinstance(e, DenialFound) and e.source == "soft-deny-log"]
    assert {e.phase for e in soft} == {"observe"}
    assert {"sns:ListTopics", "cloudformation:CreateStack", "sqs:CreateQueue"} <= {
        e.action for e in soft
    }
    # the enforced replay in a fresh sandbox needed nothing more
    rounds = [e for e in events if isinstance(e, VerifyRoundEnd)]
    assert [(r.ok, r.granted) for r in rounds] == [(True, [])]
    assert "observe · " in observed.stderr

    trial = run_autofix(
        "run", "--strategy", "trial", "--config", str(config), "--out", str(tmp_path / "trial")
    )
    assert trial.exit_code == 0, trial.output
    trial_summary = read_json(tmp_path / "trial" / "summary.json")
    assert trial_summary["strategy"] == "trial"
    assert trial_summary["attempts_total"] > summary["attempts_total"]
    assert actions(tmp_path / "obs") == actions(tmp_path / "trial")


def test_observe_needs_the_embedded_sandbox(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        """
        [sandbox]
        kind = "aws"
        allowed_accounts = ["111122223333"]
        [[steps]]
        name = "a"
        run = "true"
        """,
    )
    result = run_autofix("run", "--config", str(config), "--strategy", "observe")
    assert result.exit_code == 2, result.output
    assert "--strategy observe needs the embedded sandbox" in result.stderr
    assert "Traceback" not in result.output

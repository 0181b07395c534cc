"""The repair loop on the embedded sandbox, driven through the CLI as a user runs it.

The steps are real AWS CLI calls made with the deployer's credentials.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import AWS, CliResult, ledger_events, read_json, run_autofix, write_config

FOUR_ACTIONS = (
    f"{AWS} sns create-topic --name orders"
    f" && {AWS} ssm put-parameter --name /app/colour --value blue --type String --overwrite"
    f" && {AWS} ssm get-parameter --name /app/colour"
    f" && {AWS} sns list-topics"
)


@dataclass(frozen=True)
class FirstRun:
    directory: Path
    config: Path
    result: CliResult


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    """`autofix run` of the four-action step from an empty policy (read by two tests)."""
    directory = tmp_path_factory.mktemp("four-actions")
    config = write_config(
        directory,
        f"""
        [[steps]]
        name = "publish"
        run = "{FOUR_ACTIONS}"
        """,
    )
    return FirstRun(
        directory, config, run_autofix("run", "--strategy", "trial", "--config", str(config))
    )


def test_loop_grants_each_denied_action_until_the_step_succeeds(first_run: FirstRun) -> None:
    tmp_path, result = first_run.directory, first_run.result
    assert result.exit_code == 0, result.output
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["ok"] is True
    assert summary["attempts_total"] == 5
    assert summary["steps"] == [
        {
            "name": "publish",
            "ok": True,
            "attempts": 5,
            "seconds": summary["steps"][0]["seconds"],
            "actions": [
                "sns:CreateTopic",
                "ssm:PutParameter",
                "ssm:GetParameter",
                "sns:ListTopics",
            ],
        }
    ]
    policy = read_json(tmp_path / ".autofix" / "policy.json")
    assert policy["Version"] == "2012-10-17"
    granted = sorted(a for s in policy["Statement"] for a in s["Action"])
    assert granted == ["sns:CreateTopic", "sns:ListTopics", "ssm:GetParameter", "ssm:PutParameter"]
    events = [e.kind for e in ledger_events(tmp_path / ".autofix" / "ledger.jsonl")]
    assert events[0] == "run_start" and events[-1] == "run_end"
    assert events.count("attempt_start") == 5
    assert events.count("grant_added") == 4
    assert events.count("denial_found") == 4
    assert "step_ok" in events
    # then one clean replay in a fresh sandbox, recorded in its own ledger
    assert summary["verified"] is True and summary["verification"] == "replayed"
    assert summary["verify_replays"] == 1
    replay = [e.kind for e in ledger_events(tmp_path / ".autofix/verify/verify-1/ledger.jsonl")]
    assert replay.count("attempt_start") == 1 and "grant_added" not in replay
    assert "+ granted sns:CreateTopic" in result.stderr
    assert "publish" in result.stderr and "every step succeeded" in result.stderr


def test_saved_policy_is_enough_the_second_time(first_run: FirstRun, tmp_path: Path) -> None:
    assert first_run.result.exit_code == 0, first_run.result.output
    saved = tmp_path / "saved.json"
    saved.write_text((first_run.directory / ".autofix" / "policy.json").read_text())
    again = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--config",
        str(first_run.config),
        "--from",
        str(saved),
        "--out",
        str(tmp_path / "again"),
        "--no-verify",  # the replay is the first run's test
    )
    assert again.exit_code == 0, again.output
    summary = read_json(tmp_path / "again" / "summary.json")
    assert summary["attempts_total"] == 1
    assert summary["steps"][0]["actions"] == []


def test_a_failure_that_is_not_a_permission_error_stops_without_a_grant(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        f"""
        [[steps]]
        name = "broken"
        run = "{AWS} sns create-topic --name {"x" * 300}"
        [[steps]]
        name = "never-reached"
        run = "true"
        """,
    )
    first = run_autofix("run", "--strategy", "trial", "--config", str(config))
    # The first attempt is denied sns:CreateTopic; after the grant the real error shows.
    assert first.exit_code == 1, first.output
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["ok"] is False
    assert [s["name"] for s in summary["steps"]] == ["broken"]
    assert summary["steps"][0]["actions"] == ["sns:CreateTopic"]
    assert "no permission error was found" in summary["reason"]
    assert "InvalidParameter" in first.stderr  # the tail of the output is shown


def test_plain_failure_gets_no_grant_at_all(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        """
        [[steps]]
        name = "fails"
        run = "echo 'Error: something unrelated broke' && exit 4"
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 1
    policy = read_json(tmp_path / ".autofix" / "policy.json")
    assert policy["Statement"] == []
    assert "something unrelated broke" in result.stderr
    events = [e.kind for e in ledger_events(tmp_path / ".autofix" / "ledger.jsonl")]
    assert "grant_added" not in events and "step_failed" in events


def test_command_not_found_is_a_configuration_error(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        """
        [[steps]]
        name = "typo"
        run = "slss deploy"
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 2
    assert "command not found: 'slss'" in result.stderr


def test_attempt_bound_stops_the_step(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        f"""
        [loop]
        max_attempts = 2
        [[steps]]
        name = "publish"
        run = "{FOUR_ACTIONS}"
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 1
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["attempts_total"] == 2
    assert summary["steps"][0]["attempts"] == 2
    assert "attempt bound reached: 2 attempts" in summary["reason"]
    assert summary["steps"][0]["actions"] == ["sns:CreateTopic", "ssm:PutParameter"]


def test_run_without_a_config_file(tmp_path: Path) -> None:
    result = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--no-verify",
        "--out",
        str(tmp_path / "out"),
        "--",
        *AWS.split(),
        "sns",
        "create-topic",
        "--name",
        "solo",
        cwd=tmp_path,
    )
    assert result.exit_code == 0, result.output
    summary = read_json(tmp_path / "out" / "summary.json")
    assert summary["steps"][0]["actions"] == ["sns:CreateTopic"]


def test_step_sees_only_the_deployer_credentials(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        f"""
        [[steps]]
        name = "whoami"
        run = "{AWS} sts get-caller-identity > who.json && env | grep ^AWS_ | sort > env.txt"
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 0, result.output
    who = json.loads((tmp_path / "who.json").read_text())
    assert who["Arn"] == "arn:aws:iam::123456789012:user/autofix-deployer"
    names = {line.split("=", 1)[0] for line in (tmp_path / "env.txt").read_text().splitlines()}
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"} <= names
    assert "AWS_PROFILE" not in names and "AWS_SESSION_TOKEN" not in names


BROKEN_TEMPLATE = """
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !GetAtt Topic.NoSuchAttribute
"""


def test_a_stack_failure_that_names_no_permission_is_told_as_the_reason(tmp_path: Path) -> None:
    """A deploy that fails on a template error stops (no grant fixes it) and says which
    resource failed and why, from the stack's events, not only "no permission error"."""
    (tmp_path / "template.yaml").write_text(BROKEN_TEMPLATE)
    config = write_config(
        tmp_path,
        f"""
        [[steps]]
        name = "deploy"
        run = "{AWS} cloudformation deploy --stack-name broken --template-file template.yaml"
        timeout = 300
        """,
    )
    result = run_autofix("run", "--config", str(config), "--no-verify")
    assert result.exit_code == 1, result.output[-3000:]
    reason = read_json(tmp_path / ".autofix" / "summary.json")["reason"]
    assert "no permission error was found" in reason
    assert "broken/Queue CREATE_FAILED" in reason and "NoSuchAttribute" in reason, reason

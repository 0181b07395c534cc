"""The sandbox dying mid-run, a client escaping it, and inputs a user can get wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import AWS, read_json, run_autofix, write_config
from tests.faults.conftest import wait_gone


def test_sandbox_that_dies_mid_run_is_named_with_its_log(tmp_path: Path, no_orphans: str) -> None:
    out = tmp_path / ".autofix"
    # the step kills this run's own sandbox server (found by its deny log's path)
    # after 30 lines of its own in the server's log, to see that the last 20 are shown
    noise = f"for i in $(seq 1 30); do echo noise-$i >> {out}/sandbox.log; done"
    killer = (
        f"{noise}; pkill -f -- '--deny-log {out}/sandbox-denials.jsonl'; sleep 1; "
        f"{AWS} sns list-topics"
    )
    config = write_config(tmp_path, f'[[steps]]\nname = "deploy"\nrun = "{killer}"\n')
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(config), "--no-verify", timeout=300
    )
    assert result.exit_code == 4, result.output[-2000:]
    assert "Traceback" not in result.stderr
    assert "the sandbox account stopped" in result.stderr
    assert str(out / "sandbox.log") in result.stderr
    # the tail it promises: the last 20 lines of the log, the server's own last word included
    assert "the last 20 lines of its log" in result.stderr
    assert "sandbox server: SIGTERM received, stopping" in result.stderr
    assert "noise-30" in result.stderr and "noise-12" in result.stderr
    assert "noise-11\n" not in result.stderr
    summary = read_json(out / "summary.json")
    assert summary["exit_code"] == 4 and summary["reason"] == "the sandbox account stopped"
    assert [s["name"] for s in summary["steps"]] == ["deploy"]
    assert summary["steps"][0]["attempts"] == 1
    assert wait_gone(no_orphans) == []


def test_a_client_that_reaches_for_public_aws_is_named(tmp_path: Path, no_orphans: str) -> None:
    # awscli v1 sends `sqs` in us-east-1 to queue.amazonaws.com whatever AWS_ENDPOINT_URL says
    config = write_config(
        tmp_path,
        f'[[steps]]\nname = "queue"\nrun = "env > {tmp_path}/env.txt; '
        f'{AWS} sqs create-queue --queue-name q"\n',
    )
    result = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--config",
        str(config),
        "--no-verify",
        env={"AWS_PROFILE": "operator-admin", "AWS_SESSION_TOKEN": "real-token"},
        timeout=300,
    )
    assert result.exit_code == 2, result.output[-2000:]
    assert "public AWS endpoint https://queue.amazonaws.com/" in result.output
    assert "not a permission error" not in result.output
    env = dict(
        line.split("=", 1)
        for line in (tmp_path / "env.txt").read_text().splitlines()
        if "=" in line
    )
    sandbox = env["AWS_ENDPOINT_URL"]
    assert sandbox.startswith("http://127.0.0.1:")
    for service in ("SQS", "S3", "CLOUDFORMATION", "LAMBDA", "DYNAMODB", "ELASTIC_BEANSTALK"):
        assert env[f"AWS_ENDPOINT_URL_{service}"] == sandbox
    assert "AWS_PROFILE" not in env and "real-token" not in env.get("AWS_SESSION_TOKEN", "")
    assert wait_gone(no_orphans) == []


@pytest.mark.parametrize("action", ["*", "iam:*", "*:*"])
def test_start_policy_granting_everything_is_refused(tmp_path: Path, action: str) -> None:
    start = tmp_path / "start.json"
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    start.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    result = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--from",
        str(start),
        "--out",
        str(tmp_path / "o"),
        "--",
        "true",
    )
    assert result.exit_code == 3, result.output
    [line] = result.stderr.strip().splitlines()
    assert f"{action} is never granted" in line


def test_create_user_is_flagged(tmp_path: Path) -> None:
    """A user outside the deployment is refused by default (tests/cli/test_guard_attacks.py);
    allowed explicitly, its creation is granted and still flagged as an escalation."""
    allow = '[guard]\nallow = ["iam:CreateUser on arn:aws:iam::123456789012:user/ci-bot"]\n'
    config = write_config(
        tmp_path,
        f'[[steps]]\nname = "users"\nrun = "{AWS} iam create-user --user-name ci-bot"\n' + allow,
    )
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(config), "--no-verify", timeout=300
    )
    assert result.exit_code == 0, result.output[-2000:]
    flags = {f["action"]: f for f in read_json(tmp_path / ".autofix" / "summary.json")["flags"]}
    assert "principal" in flags["iam:CreateUser"]["risk"]


@pytest.fixture
def non_utf8(tmp_path: Path) -> Path:
    policy = tmp_path / "latin1.json"
    text = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",'
    policy.write_bytes(text.encode() + ' "Resource": "arn:aws:s3:::café/*"}]}'.encode("latin-1"))
    return policy


def test_diff_of_a_non_utf8_policy_is_an_error_not_a_difference(
    tmp_path: Path, non_utf8: Path
) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"Version": "2012-10-17", "Statement": []}))
    for a, b in ((non_utf8, good), (good, non_utf8)):
        result = run_autofix("diff", str(a), str(b))
        assert result.exit_code == 2, result.output
        [line] = result.stderr.strip().splitlines()
        assert f"{non_utf8}: the policy is not UTF-8 text" in line


def test_report_of_a_run_with_non_utf8_files_is_an_error(tmp_path: Path, non_utf8: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    non_utf8.rename(out / "policy.json")
    (out / "summary.json").write_bytes(b'{"ok": true, "steps": [], "reason": "\xff"}')
    for fmt in ("markdown", "json"):
        result = run_autofix("report", str(out), "--format", fmt, "-o", "-")
        assert result.exit_code == 2, result.output
        [line] = result.stderr.strip().splitlines()
        assert "summary.json: the run summary is not UTF-8 text" in line


def test_a_denial_that_names_no_action_says_so(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        '[[steps]]\nname = "opaque"\nrun = "echo \'AccessDenied: Access Denied\' >&2; exit 1"\n',
    )
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(config), "--no-verify", timeout=300
    )
    assert result.exit_code == 1, result.output[-2000:]
    assert "already granted ()" not in result.output
    assert "its output does not name the action" in result.output

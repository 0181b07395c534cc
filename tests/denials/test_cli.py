"""`autofix explain` the way a user runs it: a file or stdin, JSON or prose."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from autofix.cli import cli

DENIAL = (
    "An error occurred (AccessDenied) when calling the PutObject operation: User: "
    "arn:aws:sts::123456789012:assumed-role/deployer/ci-42 is not authorized to perform: "
    's3:PutObject on resource: "arn:aws:s3:::deploys/app.zip" with an explicit deny in a '
    "service control policy\n"
    "An error occurred (AccessDenied) when calling the CreateBucket operation: Access Denied\n"
)


def test_json_from_file(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text(DENIAL, encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(path), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {
        "denials": [
            {
                "action": "s3:PutObject",
                "resource": "arn:aws:s3:::deploys/app.zip",
                "principal": "arn:aws:sts::123456789012:assumed-role/deployer/ci-42",
                "deny": "scp",
                "operation": "PutObject",
                "fixable": False,
            },
            {
                "action": "s3:CreateBucket",
                "resource": None,
                "principal": None,
                "deny": "implicit",
                "operation": "CreateBucket",
                "fixable": True,
            },
        ]
    }


def test_json_from_stdin_without_denials() -> None:
    result = CliRunner().invoke(
        cli, ["explain", "-", "--json"], input="Stack is in ROLLBACK_COMPLETE state"
    )
    assert result.exit_code == 0
    assert json.loads(result.output) == {"denials": []}


def test_human_explanation() -> None:
    result = CliRunner().invoke(cli, ["explain"], input=DENIAL)
    assert result.exit_code == 0
    text = result.output
    assert "s3:PutObject" in text and "service control policy" in text
    assert "arn:aws:sts::123456789012:assumed-role/deployer/ci-42" in text
    assert "s3:CreateBucket" in text and "an identity-policy Allow" in text


def test_human_explanation_of_unknown_and_encoded() -> None:
    text = (
        "User: arn:aws:iam::1:user/d is not authorized to perform: sns:Publishh\n"
        "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: "
        "You are not authorized to perform this operation. Encoded authorization failure "
        "message: AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    )
    output = CliRunner().invoke(cli, ["explain"], input=text).output
    assert "does not exist" in output
    assert "decode" in output


def test_subprocess_like_a_user(tmp_path: Path) -> None:
    path = tmp_path / "events.txt"
    path.write_text("API: s3:setBucketAccelerateConfiguration Access Denied", encoding="utf-8")
    code = "from autofix.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "explain", str(path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["denials"][0]["action"] == "s3:PutAccelerateConfiguration"


def test_an_operator_profile_this_machine_lacks_is_not_read(tmp_path: Path) -> None:
    """`AWS_PROFILE` names the operator's real account (set for `autofix run`); reading
    botocore's models must not look it up. With no operation index cached yet (a new machine,
    a botocore upgrade), building it once raised ProfileNotFound."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_PROFILE="operator-admin", XDG_CACHE_HOME=str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "-m", "autofix", "explain", "--json"],
        input="An error occurred (AccessDenied) when calling the CreateQueue operation: "
        "Access to the resource https://sqs.us-east-1.amazonaws.com/ is denied.",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert [d["action"] for d in json.loads(done.stdout)["denials"]] == ["sqs:CreateQueue"]
    assert list((tmp_path / "cache" / "autofix").glob("botocore-operations-*.json"))

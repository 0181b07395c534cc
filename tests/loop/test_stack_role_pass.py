"""A stack deployed with a service role (`aws cloudformation deploy --role-arn`): the
deployer passes the role to CloudFormation, and autofix grants that pass only to
CloudFormation (`iam:PassedToService`), by trial and by prediction. Real AWS CLI steps
(`aws`, on PATH as a user has it) on the embedded sandbox, the role made by the
operator's `[[setup]]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autofix.records.events import DenialFound, GrantAdded
from tests.conftest import read_json, run_autofix, venv_on_path, write_config
from tests.loop.scaffold import ACCOUNT, events
from tests.sandbox.stacks import CLOUDFORMATION_TRUST

ROLE = f"arn:aws:iam::{ACCOUNT}:role/queue-deployer"
TO_CLOUDFORMATION = {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
}


def _config(directory: Path) -> Path:
    (directory / "trust.json").write_text(json.dumps(CLOUDFORMATION_TRUST))
    (directory / "role-policy.json").write_text(json.dumps(ROLE_POLICY))
    (directory / "template.json").write_text(
        json.dumps(
            {
                "Resources": {
                    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "by-role"}}
                }
            }
        )
    )
    setup = (
        "aws iam create-role --role-name queue-deployer"
        " --assume-role-policy-document file://trust.json"
        " && aws iam put-role-policy --role-name queue-deployer --policy-name sqs"
        " --policy-document file://role-policy.json"
    )
    deploy = (
        "aws cloudformation deploy --stack-name by-role --template-file template.json"
        f" --role-arn {ROLE}"
    )
    return write_config(
        directory,
        f'[[setup]]\nname = "role"\nrun = "{setup}"\n\n'
        f'[[steps]]\nname = "deploy"\nrun = "{deploy}"\n',
    )


def _pass_role_statements(directory: Path) -> list[dict[str, Any]]:
    policy = read_json(directory / ".autofix" / "policy.json")
    return [s for s in policy["Statement"] if "iam:PassRole" in s["Action"]]


@pytest.mark.parametrize("strategy", ["trial", "predict"])
def test_the_stack_role_is_passed_only_to_cloudformation(tmp_path: Path, strategy: str) -> None:
    config = _config(tmp_path)
    result = run_autofix("run", "--strategy", strategy, "--config", str(config), env=venv_on_path())
    assert result.exit_code == 0, result.output
    passes = [g for g in events(tmp_path, GrantAdded) if g.action == "iam:PassRole"]
    assert [(g.resource, g.condition) for g in passes] == [(ROLE, TO_CLOUDFORMATION)]
    if strategy == "predict":
        assert passes[0].source == "predicted-profile" and passes[0].attempt == 0
    else:
        assert passes[0].source in ("output", "account-log")
    [statement] = _pass_role_statements(tmp_path)
    assert statement["Resource"] == ROLE and statement["Condition"] == TO_CLOUDFORMATION
    # the policy replayed cleanly in a fresh account, the pass included
    assert read_json(tmp_path / ".autofix" / "summary.json")["verified"] is True


def test_a_pass_allowed_only_to_another_service_is_denied_and_granted_to_cloudformation(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    to_lambda = {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    start = {
        "Version": "2012-10-17",
        "Statement": [
            {  # the guard refuses CreateChangeSet beside PassRole on "*": scoped to the stack
                "Effect": "Allow",
                "Action": "cloudformation:*",
                "Resource": f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/by-role/*",
            },
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE, "Condition": to_lambda},
        ],
    }
    (tmp_path / "start.json").write_text(json.dumps(start))
    config.write_text('[policy]\nstart = "start.json"\n\n' + config.read_text())
    result = run_autofix("run", "--strategy", "trial", "--config", str(config), env=venv_on_path())
    assert result.exit_code == 0, result.output
    [denied] = [d for d in events(tmp_path, DenialFound) if d.action == "iam:PassRole"]
    assert (denied.resource, denied.attempt) == (ROLE, 1)
    passes = [g for g in events(tmp_path, GrantAdded) if g.action == "iam:PassRole"]
    assert [(g.resource, g.condition) for g in passes] == [(ROLE, TO_CLOUDFORMATION)]
    # the start policy's pass to Lambda stays, the pass to CloudFormation joins it
    [statement] = _pass_role_statements(tmp_path)
    assert statement["Condition"] == {
        "StringEquals": {
            "iam:PassedToService": ["cloudformation.amazonaws.com", "lambda.amazonaws.com"]
        }
    }

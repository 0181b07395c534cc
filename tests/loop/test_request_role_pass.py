"""A step that passes a role by an API request (`aws lambda create-function --role`):
the sandbox demands iam:PassRole of it for Lambda, as AWS does, and autofix grants that
pass only to Lambda (`iam:PassedToService`). The real AWS CLI on the embedded sandbox, the
role made by the operator's `[[setup]]`."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from autofix.records.events import GrantAdded
from tests.conftest import read_json, run_autofix, venv_on_path, write_config
from tests.loop.scaffold import ACCOUNT, events
from tests.sandbox.stacks import LAMBDA_TRUST

ROLE = f"arn:aws:iam::{ACCOUNT}:role/fn-runner"
TO_LAMBDA = {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}


def _config(directory: Path) -> Path:
    (directory / "trust.json").write_text(json.dumps(LAMBDA_TRUST))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    (directory / "fn.zip").write_bytes(buffer.getvalue())
    setup = (
        "aws iam create-role --role-name fn-runner --assume-role-policy-document file://trust.json"
    )
    deploy = (
        "aws lambda create-function --function-name by-request --runtime python3.12"
        f" --handler index.handler --zip-file fileb://fn.zip --role {ROLE}"
    )
    return write_config(
        directory,
        f'[[setup]]\nname = "role"\nrun = "{setup}"\n\n'
        f'[[steps]]\nname = "create"\nrun = "{deploy}"\n\n'
        # the role is the operator's, not the deployment's: the operator allows its pass
        f'[guard]\nallow = ["iam:PassRole on {ROLE}"]\n',
    )


def test_a_role_passed_by_a_request_is_passed_only_to_its_service(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = run_autofix("run", "--strategy", "trial", "--config", str(config), env=venv_on_path())
    assert result.exit_code == 0, result.output
    passes = [g for g in events(tmp_path, GrantAdded) if g.action == "iam:PassRole"]
    assert [(g.resource, g.condition) for g in passes] == [(ROLE, TO_LAMBDA)]
    policy = read_json(tmp_path / ".autofix" / "policy.json")
    [statement] = [s for s in policy["Statement"] if "iam:PassRole" in s["Action"]]
    assert statement["Resource"] == ROLE and statement["Condition"] == TO_LAMBDA
    # the policy replayed cleanly in a fresh account, the conditioned pass included
    assert read_json(tmp_path / ".autofix" / "summary.json")["verified"] is True

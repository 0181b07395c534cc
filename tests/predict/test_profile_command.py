"""`autofix profile`: a framework profile from run directories' ledgers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autofix.predict.profile import parse
from tests.conftest import read_json, run_autofix

ACCOUNT, REGION = "123456789012", "eu-west-1"
STACK = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/shop-*/*"


def _lines(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _grant(step: str, action: str, resource: str, source: str) -> dict[str, Any]:
    return {
        "event": "grant_added",
        "step": step,
        "attempt": 1,
        "action": action,
        "resource": resource,
        "new": True,
        "source": source,
        "phase": "discover",
    }


def _start(step: str, index: int, command: str) -> dict[str, Any]:
    return {"event": "step_start", "step": step, "index": index, "of": 2, "command": command}


def _deny(action: str, operation: str, demand: str = "") -> dict[str, Any]:
    return {"action": action, "operation": operation, "demand": demand}


def run_dir(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    _lines(
        out / "ledger.jsonl",
        [
            _start("up", 1, "npx sls deploy --stage dev"),
            _start("down", 2, "sls remove -s dev"),
            _grant("up", "cloudformation:CreateChangeSet", STACK, "output"),
            _grant(
                "up",
                "s3:PutObject",
                "arn:aws:s3:::shop-dev-deploymentbucket-*/serverless/shop/dev/*",
                "account-log",
            ),
            # a handler's demand, printed by the tool too: the template's part
            _grant(
                "up", "lambda:CreateFunction", "arn:aws:lambda:*:*:function:shop-dev-f", "output"
            ),
            _grant("up", "iam:CreateRole", "arn:aws:iam::1:role/r", "stack-events"),
            _grant("down", "cloudformation:DeleteStack", STACK, "output"),
        ],
    )
    _lines(
        out / "sandbox-denials.jsonl",
        [
            _deny("cloudformation:CreateChangeSet", "CreateChangeSet"),
            _deny("s3:PutObject", "PutObject"),
            _deny("lambda:CreateFunction", "AWS::Lambda::Function create", "rule"),
            # the service's own stack: its handler demands are the template's part
            _deny("iam:CreateRole", "AWS::IAM::Role create", "rule")
            | {"stack": "shop-dev", "resource": "arn:aws:iam::1:role/r"},
            _deny("cloudformation:DeleteStack", "DeleteStack"),
        ],
    )
    (out / "summary.json").write_text(json.dumps({"account_id": ACCOUNT, "region": REGION}))
    return out


def test_profile_keeps_the_tools_own_calls_per_command_generalised(tmp_path: Path) -> None:
    out = run_dir(tmp_path)
    target = tmp_path / "osls-4.json"
    result = run_autofix(
        "profile", str(out), "--name", "osls-4", "--service", "shop", "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    profile = read_json(target)
    assert profile["name"] == "osls-4"
    assert profile["commands"] == {
        "deploy": [
            {
                "action": "cloudformation:CreateChangeSet",
                "resource": "arn:aws:cloudformation:{region}:{account}:stack/{service}-*/*",
            },
            {
                "action": "s3:PutObject",
                "resource": "arn:aws:s3:::{service}-{stage}-deploymentbucket-*"
                "/serverless/{service}/{stage}/*",
            },
        ],
        "remove": [
            {
                "action": "cloudformation:DeleteStack",
                "resource": "arn:aws:cloudformation:{region}:{account}:stack/{service}-*/*",
            }
        ],
    }


def test_profile_prints_to_stdout_without_output(tmp_path: Path) -> None:
    out = run_dir(tmp_path)
    result = run_autofix("profile", str(out), "--name", "x", "--service", "shop")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["commands"]["remove"][0]["action"] == (
        "cloudformation:DeleteStack"
    )


def test_profile_of_a_directory_without_a_ledger_is_a_usage_error(tmp_path: Path) -> None:
    result = run_autofix("profile", str(tmp_path), "--name", "x")
    assert result.exit_code == 2
    assert "no ledger.jsonl" in result.stderr
    assert "Traceback" not in result.output


def test_a_stage_truncated_in_a_generated_name_generalises_to_any_stage(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _lines(
        out / "ledger.jsonl",
        [
            _start("prod", 1, "sls deploy --stage production"),
            _grant("prod", "s3:ListBucket", "arn:aws:s3:::shop-productio*", "output"),
        ],
    )
    _lines(out / "sandbox-denials.jsonl", [_deny("s3:ListBucket", "ListObjectsV2")])
    (out / "summary.json").write_text(json.dumps({"account_id": ACCOUNT, "region": REGION}))
    result = run_autofix("profile", str(out), "--name", "p", "--service", "shop")
    assert result.exit_code == 0, result.output
    profile = json.loads(result.output)
    assert profile["commands"]["deploy"] == [
        {"action": "s3:ListBucket", "resource": "arn:aws:s3:::{service}-*"}
    ]


def test_a_sam_profile_keeps_its_managed_stacks_demands_and_names_the_stack(
    tmp_path: Path,
) -> None:
    """SAM's managed bucket stack is no step's: its handler demands are the tool's calls;
    the app stack's handler demands stay the template's part."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "samconfig.toml").write_text(
        'version = 0.1\n[default.deploy.parameters]\nstack_name = "web"\n'
    )
    (project / "autofix.toml").write_text(
        '[[steps]]\nname = "up"\nrun = "sam deploy"\n[[steps]]\nname = "down"\n'
        'run = "sam delete --no-prompts"\n'
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text(json.dumps({"config": str(project / "autofix.toml")}))
    managed = "arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-*"
    web = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/web/*"
    _lines(
        out / "ledger.jsonl",
        [
            _start("up", 1, "sam deploy"),
            _start("down", 2, "sam delete --no-prompts"),
            _grant("up", "cloudformation:CreateChangeSet", web, "output"),
            _grant("up", "s3:CreateBucket", managed, "stack-events"),
            _grant("up", "s3:PutObject", f"{managed}/web/*", "output"),
            _grant("up", "dynamodb:CreateTable", "arn:aws:dynamodb:*:*:table/web-T-*", "output"),
            _grant("down", "cloudformation:DeleteStack", web, "output"),
        ],
    )
    bucket = {"stack": "aws-sam-cli-managed-default", "resource": managed.replace("*", "abc")}
    table = {"stack": "web", "resource": "arn:aws:dynamodb:x:1:table/web-T-abc"}
    _lines(
        out / "sandbox-denials.jsonl",
        [
            _deny("cloudformation:CreateChangeSet", "CreateChangeSet"),
            _deny("s3:CreateBucket", "AWS::S3::Bucket create", "rule") | bucket,
            _deny("s3:PutObject", "PutObject"),
            _deny("dynamodb:CreateTable", "AWS::DynamoDB::Table create", "rule") | table,
            _deny("cloudformation:DeleteStack", "DeleteStack"),
        ],
    )
    (out / "summary.json").write_text(json.dumps({"account_id": ACCOUNT, "region": REGION}))
    result = run_autofix("profile", str(out), "--name", "sam-1")
    assert result.exit_code == 0, result.output
    commands = json.loads(result.output)["commands"]
    stack = "arn:aws:cloudformation:{region}:{account}:stack/{stack}/*"
    assert commands == {
        "deploy": [
            {"action": "cloudformation:CreateChangeSet", "resource": stack},
            {"action": "s3:CreateBucket", "resource": managed},
            {"action": "s3:PutObject", "resource": f"{managed}/{{stack}}/*"},
        ],
        "delete": [{"action": "cloudformation:DeleteStack", "resource": stack}],
    }


def test_a_tools_pass_of_a_role_keeps_the_service_it_passes_to(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    role = f"arn:aws:iam::{ACCOUNT}:role/shop-deployer"
    to_cfn = {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}
    _lines(
        out / "ledger.jsonl",
        [
            _start("up", 1, "npx sls deploy --stage dev"),
            _grant("up", "iam:PassRole", role, "output") | {"condition": to_cfn},
        ],
    )
    _lines(out / "sandbox-denials.jsonl", [_deny("iam:PassRole", "CreateChangeSet")])
    (out / "summary.json").write_text(json.dumps({"account_id": ACCOUNT, "region": REGION}))
    target = tmp_path / "osls-4.json"
    result = run_autofix(
        "profile", str(out), "--name", "osls-4", "--service", "shop", "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    [call] = read_json(target)["commands"]["deploy"]
    assert call == {
        "action": "iam:PassRole",
        "resource": "arn:aws:iam::{account}:role/{service}-deployer",
        "passed_to": "cloudformation.amazonaws.com",
    }
    loaded = parse(read_json(target), "osls-4.json")
    [predicted] = loaded.calls("deploy", "shop", "dev", REGION, ACCOUNT, "aws")
    assert (predicted.resource, predicted.passed_to) == (role, "cloudformation.amazonaws.com")

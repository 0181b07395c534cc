"""`autofix render`: a saved policy as JSON, CloudFormation, Terraform or a Serverless hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_autofix

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": "arn:aws:iam::123456789012:role/svc-*-us-east-1-lambdaRole",
        },
        {
            "Effect": "Allow",
            "Action": ["cloudformation:DescribeStacks"],
            "Resource": "arn:aws:cloudformation:us-east-1:123456789012:stack/svc-*/*",
        },
    ],
}


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    (tmp_path / "policy.json").write_text(json.dumps(POLICY))
    (tmp_path / "summary.json").write_text(
        json.dumps({"account_id": "123456789012", "region": "us-east-1"})
    )
    return tmp_path / "policy.json"


@pytest.mark.parametrize(
    ("style", "account", "region"),
    [
        ("plain", "<account_no>", "<region>"),
        ("cloudformation", "${AWS::AccountId}", "${AWS::Region}"),
        (
            "terraform",
            "${data.aws_caller_identity.current.account_id}",
            "${data.aws_region.current.name}",
        ),
    ],
)
def test_portable_placeholders(saved: Path, style: str, account: str, region: str) -> None:
    result = run_autofix("render", str(saved), "--portable", style)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    resources = [s["Resource"] for s in doc["Statement"]]
    assert f"arn:aws:iam::{account}:role/svc-*-{region}-lambdaRole" in resources
    assert f"arn:aws:cloudformation:{region}:{account}:stack/svc-*/*" in resources


def test_cloudformation_rendering(saved: Path) -> None:
    result = run_autofix(
        "render", str(saved), "--format", "cloudformation", "--portable", "cloudformation"
    )
    assert result.exit_code == 0, result.output
    assert "AWS::IAM::ManagedPolicy" in result.stdout
    assert "Fn::Sub" in result.stdout or "!Sub" in result.stdout


def test_terraform_rendering(saved: Path) -> None:
    result = run_autofix("render", str(saved), "--format", "terraform")
    assert result.exit_code == 0, result.output
    assert 'data "aws_iam_policy_document"' in result.stdout
    assert '"iam:PassRole"' in result.stdout


def test_portable_needs_account_without_summary(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(POLICY))
    result = run_autofix("render", str(policy), "--portable", "plain")
    assert result.exit_code == 2
    assert "--portable needs --account-id and --region" in result.stderr


def test_bad_policy_file_is_one_line(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text("{ not json")
    result = run_autofix("render", str(policy))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_cdk_bootstrap_rendering_is_a_script_that_bootstraps_with_the_policy(saved: Path) -> None:
    result = run_autofix("render", str(saved), "--format", "cdk-bootstrap")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index("cat > cdk-exec-policy.json <<'POLICY'")
    end = lines.index("POLICY")
    rendered = json.loads("\n".join(lines[start + 1 : end]))["Statement"]

    def pairs(statements: list[dict[str, object]]) -> set[tuple[str, str]]:
        return {(json.dumps(s["Action"]).strip('[]"'), str(s["Resource"])) for s in statements}

    assert pairs(rendered) == pairs(POLICY["Statement"])  # type: ignore[arg-type]
    assert lines[end + 1] == (
        "aws iam create-policy --policy-name autofix-cdk-exec "
        "--policy-document file://cdk-exec-policy.json"
    )
    assert lines[end + 2].startswith("cdk bootstrap --cloudformation-execution-policies ")
    assert lines[end + 2].endswith(':policy/autofix-cdk-exec"')

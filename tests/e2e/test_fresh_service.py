"""A service nobody tuned autofix to, end to end: playground/services/cfn-export-jobs.

An ECS cluster and Fargate task definition with an execution role, a Firehose delivery
stream to S3 with its role, a CloudWatch dashboard, an inline-code function with a Lambda
permission, a custom resource and a REST API with a usage plan and API key, deployed by
`aws cloudformation deploy`, rehearsed, updated (the task definition replaced) and deleted
from an empty policy under `--strategy predict`. Its README says what real AWS demands.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import read_json, run_autofix, venv_on_path

pytestmark = pytest.mark.e2e

SERVICE = Path(__file__).resolve().parents[2] / "playground" / "services" / "cfn-export-jobs"
ACCOUNT = "123456789012"
NO_RESOURCE_LEVEL = {  # the Service Authorization Reference lists no resource type for these
    "ecs:DeregisterTaskDefinition",
    "ecs:DescribeTaskDefinition",
    "logs:DescribeLogGroups",
}


def test_a_fresh_plain_cloudformation_service_converges_as_aws_names_it(tmp_path: Path) -> None:
    service = tmp_path / "cfn-export-jobs"
    shutil.copytree(SERVICE, service)
    out = tmp_path / "out"
    result = run_autofix(
        "run", "--config", str(service / "autofix.toml"), "--out", str(out),
        timeout=900, env=venv_on_path(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output[-3000:]
    summary = read_json(out / "summary.json")
    assert summary["verified"] is True
    assert [s["attempts"] for s in summary["steps"]] == [1, 1, 1, 1]  # predicted ahead
    grants = {
        (action, resource)
        for statement in read_json(out / "policy.json")["Statement"]
        for action in _listed(statement["Action"])
        for resource in _listed(statement["Resource"])
    }
    on_every = {a for a, r in grants if r == "*"}
    assert on_every <= NO_RESOURCE_LEVEL, on_every
    # names as AWS makes them: the dashboard and the task family as the template gives them
    assert {r for a, r in grants if a == "cloudwatch:PutDashboard"} == {
        f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/export-jobs"
    }
    assert {r for a, r in grants if a == "ecs:RegisterTaskDefinition"} == {
        f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/export-jobs-export:*"
    }
    # the roles the template passes, and only those
    assert {r for a, r in grants if a == "iam:PassRole"} == {
        f"arn:aws:iam::{ACCOUNT}:role/export-jobs-{role}-*"
        for role in ("TaskExecutionRole", "FirehoseRole", "RequestFunctionRole")
    }
    assert {r for a, r in grants if a == "iam:CreateServiceLinkedRole"} <= {
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/*"
    }
    # the custom resource's provider function is not checked: said so, not passed silently
    assert {u["type"] for u in summary["unverified"]} == {"Custom::StackVersion"}


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value

"""A second real client: `aws cloudformation deploy` (awscli from PyPI) converges too."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autofix.records.events import DenialFound
from tests.conftest import AWS, events_of, read_json, run_autofix, write_config

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: orders
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: orders-queue
  Parameter:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /orders/colour
      Type: String
      Value: blue
"""


def test_aws_cloudformation_deploy_converges(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    deploy = (
        f"{AWS} cloudformation deploy --stack-name orders --template-file template.yaml"
        " --no-fail-on-empty-changeset"
    )
    config = write_config(
        tmp_path,
        f"""
        [[steps]]
        name = "deploy"
        run = "{deploy}"
        timeout = 300
        [[steps]]
        name = "redeploy"
        run = "{deploy}"
        timeout = 300
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config), timeout=900)
    assert result.exit_code == 0, result.output[-3000:]
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    actions = set(summary["steps"][0]["actions"])
    assert {
        "cloudformation:CreateChangeSet",
        "cloudformation:ExecuteChangeSet",
        "sns:CreateTopic",
        "sqs:CreateQueue",
        "ssm:PutParameter",
    } <= actions
    # the resources' own actions were only visible in the stack events
    sources = {
        e.action: e.source for e in events_of(tmp_path / ".autofix" / "ledger.jsonl", DenialFound)
    }
    assert sources["sqs:CreateQueue"] == "stack-events"
    assert sources["ssm:PutParameter"] == "stack-events"
    # the policy is scoped to the stack and the named resources
    resources = {
        r
        for s in read_json(tmp_path / ".autofix" / "policy.json")["Statement"]
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    }
    assert "arn:aws:ssm:us-east-1:123456789012:parameter/orders/colour" in resources

"""Honest tiers and the stop on a demand no grant can meet, through `aws cloudformation deploy`.

A Service Catalog product provisioned without a launch constraint is launched with the
caller's own credentials: Service Catalog creates the product's CloudFormation stack as the
caller (https://docs.aws.amazon.com/servicecatalog/latest/adminguide/constraints-launch.html),
under a name the service gives, which no data names yet: the sandbox demands
cloudformation:CreateStack, at the schema tier, on `*`. With iam:PassRole in the policy
(the template's function passes its role) CreateStack is a privilege escalation, which the
guard grants only on scoped resources: no grant can meet it, so the run must stop at the
attempt that first meets it, naming the resource, the tier, the action and why: not "no
progress" attempts later. (A state machine, whose `RoleArn` names its role, is demanded
iam:PassRole on that role only: tests/sandbox/test_cfn_reference_demands.py.)
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from autofix.records.events import AttemptStart, DemandUnmeetable, DenialFound, StepFailedEvent
from tests.conftest import AWS, events_of, read_json, run_autofix, write_config

pytestmark = pytest.mark.e2e

MACHINE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: orders-queue
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: orders-worker
      Role: !GetAtt WorkerRole.Arn
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(event, context):\\n    return event\\n"}
  Product:
    Type: AWS::ServiceCatalog::CloudFormationProvisionedProduct
    DependsOn: Worker  # provisioned once the worker's role is passed
    Properties:
      ProductName: orders-product
      ProvisioningArtifactName: v1
"""

KEY = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: ledger-queue
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: ledger key
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::123456789012:root}
            Action: kms:*
            Resource: "*"
"""


def _service(directory: Path, template: str, stack: str) -> Path:
    (directory / "template.yaml").write_text(textwrap.dedent(template))
    deploy = (
        f"{AWS} cloudformation deploy --stack-name {stack} --template-file template.yaml"
        " --no-fail-on-empty-changeset"
    )
    return write_config(
        directory,
        f"""
        [[steps]]
        name = "deploy"
        run = "{deploy}"
        timeout = 300
        """,
    )


def test_a_demand_no_grant_can_meet_stops_at_once(tmp_path: Path) -> None:
    config = _service(tmp_path, MACHINE, "orders")
    result = run_autofix("run", "--config", str(config), timeout=600)

    assert result.exit_code == 3, result.output[-3000:]  # the guard's refusal: exit 3
    out = tmp_path / ".autofix"
    summary = read_json(out / "summary.json")
    reason = summary["reason"]
    for part in (
        "a demand no grant can meet",
        "Product (AWS::ServiceCatalog::CloudFormationProvisionedProduct) of stack orders",
        "demands cloudformation:CreateStack on *",
        "the schema tier",
        "create handler",
        "the safety guard refuses cloudformation:CreateStack on *",
    ):
        assert part in reason, reason
    assert "no progress" not in result.output
    assert f"stopped: {reason}" in result.output
    ledger = out / "ledger.jsonl"
    [stop] = events_of(ledger, DemandUnmeetable)
    assert (stop.action, stop.resource, stop.rule, stop.tier) == (
        "cloudformation:CreateStack",
        "*",
        "escalation-unscoped",
        "schema",
    )
    assert (stop.resource_type, stop.logical_id, stop.operation) == (
        "AWS::ServiceCatalog::CloudFormationProvisionedProduct",
        "Product",
        "create",
    )
    # at once: the attempt that first met the denial is the last one
    first = min(
        d.attempt
        for d in events_of(ledger, DenialFound)
        if d.action == "cloudformation:CreateStack"
    )
    assert first == stop.attempt == events_of(ledger, AttemptStart)[-1].attempt
    [failed] = events_of(ledger, StepFailedEvent)
    assert failed.reason == reason and failed.exit_code == 3
    policy = json.dumps(read_json(out / "policy.json"))
    assert "cloudformation:CreateStack" not in policy
    assert "iam:PassRole" in policy  # the worker's role: what makes CreateStack escalate
    # the tiers of what it provisioned on the way
    tiers = {(r["logical_id"], r["tier"]) for r in summary["resources"]}
    assert tiers == {
        ("Queue", "checked"),
        ("WorkerRole", "checked"),
        ("Worker", "checked"),
        ("Product", "schema-bound"),
    }
    [product] = [r for r in summary["resources"] if r["logical_id"] == "Product"]
    assert "cloudformation:CreateStack" in product["bound_actions"]


def test_tiers_are_listed_and_strict_bounds_fails_a_schema_bound_run(tmp_path: Path) -> None:
    config = _service(tmp_path, KEY, "ledger")
    result = run_autofix("run", "--config", str(config), "--strict-bounds", timeout=900)

    assert result.exit_code == 1, result.output[-3000:]
    out = tmp_path / ".autofix"
    summary = read_json(out / "summary.json")
    assert summary["verified"] is True, "every step succeeded and the policy replayed"
    assert summary["reason"].startswith("--strict-bounds: 1 resource(s) checked only against")
    assert summary["unverified"] == []
    for listed in (summary["resources"], summary["verify_resources"]):
        by_id = {(r["logical_id"], r["step"]): r for r in listed}
        assert by_id["Queue", "deploy"]["tier"] == "checked"
        key = by_id["Key", "deploy"]
        assert key["tier"] == "schema-bound" and key["stack"] == "ledger"
        assert {"kms:CreateKey", "kms:PutKeyPolicy"} <= set(key["bound_actions"])
        assert key["operations"] == ["create"]
    # the console's end: one line per type, in plain words
    assert "AWS::KMS::Key (1): schema-bound: the provider schema's whole" in result.output
    assert "AWS::SQS::Queue (1): checked by a property-aware rule" in result.output
    # the option is saved for --resume
    assert read_json(out / "run.json")["options"]["strict_bounds"] is True

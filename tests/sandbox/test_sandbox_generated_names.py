"""The sandbox names unnamed resources as CloudFormation does; the operator reads them back."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from autofix.account.stack_names import StackNames
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.generated import generalise_policy
from autofix.sandbox.server import EmbeddedSandbox, SandboxInfo
from tests.support.name_knobs import PLUGIN, SEED_ENV, SUFFIX_ENV, tails_from

STACK = "a-rather-long-service-name-for-the-orders-team-dev"
LONG_LOGICAL = "OrdersHandlerExecutionRoleWithAVeryLongLogicalId"
TEMPLATE = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ServerlessDeploymentBucket:
    Type: AWS::S3::Bucket
    Properties:
      Tags: [{{Key: owner, Value: !Ref AWS::StackName}}]
  {LONG_LOGICAL}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}
  Jobs:
    Type: AWS::SQS::Queue
  Named:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: orders-abcdefghijkl
"""


def _cfn(info: SandboxInfo) -> Any:
    return boto3.client(
        "cloudformation",
        endpoint_url=info.endpoint,
        region_name=info.region,
        aws_access_key_id=info.operator.access_key_id,
        aws_secret_access_key=info.operator.secret_access_key,
    )


def _deploy(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Deploy the template in a fresh sandbox with `env`; logical id -> physical id."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with EmbeddedSandbox(plugins=(PLUGIN,)) as info:
        cfn = _cfn(info)
        cfn.create_stack(StackName=STACK, TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM"])
        for _ in range(100):
            status = cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
            if not status.endswith("IN_PROGRESS"):
                break
            time.sleep(0.1)
        assert status == "CREATE_COMPLETE"
        listed = cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
        return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed}


@pytest.fixture(scope="module")
def letters() -> Iterator[tuple[SandboxInfo, Any]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(SUFFIX_ENV, "letters")
        with EmbeddedSandbox(plugins=(PLUGIN,)) as info:
            cfn = _cfn(info)
            cfn.create_stack(
                StackName=STACK, TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM"]
            )
            yield info, cfn


def _tail(physical: str) -> str:
    return physical.rsplit("-", 1)[1]


def test_letters_only_suffix_and_names_truncated_like_cloudformation(
    letters: tuple[SandboxInfo, Any],
) -> None:
    _, cfn = letters
    listed = cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed}
    bucket, role = physical["ServerlessDeploymentBucket"], physical[LONG_LOGICAL]
    assert re.fullmatch(r"[a-z]{12}", _tail(bucket))
    assert re.fullmatch(r"[A-Za-z]{12}", _tail(role))
    # 63 and 64 characters: stack name and logical id each truncated
    assert bucket == f"{STACK[:25]}-serverlessdeploymentbuck-{_tail(bucket)}"
    assert role == f"{STACK[:25]}-{LONG_LOGICAL[:25]}-{_tail(role)}"
    assert physical["Named"].endswith("/orders-abcdefghijkl")


def test_the_operator_reads_back_what_is_generated(letters: tuple[SandboxInfo, Any]) -> None:
    _, cfn = letters
    names = StackNames(cfn).refresh(datetime.now(UTC) - timedelta(minutes=5))
    patterns = {n.logical_id: n.pattern for n in names.names}
    assert patterns == {
        "ServerlessDeploymentBucket": f"{STACK[:25]}-serverlessdeploymentbuck-*",
        LONG_LOGICAL: f"{STACK[:25]}-{LONG_LOGICAL[:25]}-*",
        "Jobs": f"{STACK}-Jobs-*",
    }
    assert names.is_explicit("orders-abcdefghijkl")
    # what was seen stays known after the stack is gone
    store = StackNames(cfn)
    store.refresh(datetime.now(UTC) - timedelta(minutes=5))
    cfn.delete_stack(StackName=STACK)
    store.refresh(datetime.now(UTC) - timedelta(minutes=5))
    bucket = next(n.name for n in names.names if n.logical_id == "ServerlessDeploymentBucket")
    policy = PolicyDocument((Grant("s3:PutObject", f"arn:aws:s3:::{bucket}/*"),))
    after, changes = generalise_policy(policy, store.snapshot())
    pattern = f"arn:aws:s3:::{STACK[:25]}-serverlessdeploymentbuck-*/*"
    assert after.grants == (Grant("s3:PutObject", pattern),)
    assert len(changes) == 1


def test_digits_only_suffix(monkeypatch: pytest.MonkeyPatch) -> None:
    physical = _deploy({SUFFIX_ENV: "digits"}, monkeypatch)
    assert all(
        re.fullmatch(r"\d{12}", _tail(physical[logical]))
        for logical in ("ServerlessDeploymentBucket", LONG_LOGICAL, "Jobs")
    )


def test_a_seed_repeats_the_random_parts() -> None:
    env = {SUFFIX_ENV: "letters", SEED_ENV: "7"}
    first, second = tails_from(env), tails_from(env)
    drawn = [first() for _ in range(3)]
    assert drawn == [second() for _ in range(3)] and len(set(drawn)) == 3
    assert tails_from({SUFFIX_ENV: "letters"})() != tails_from({SUFFIX_ENV: "letters"})()
    with pytest.raises(ValueError, match=SUFFIX_ENV):
        tails_from({SUFFIX_ENV: "emoji"})

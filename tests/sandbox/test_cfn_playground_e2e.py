"""The playground deploys through CloudFormation acting with the deployer's permissions."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest

from autofix.sandbox.server import EmbeddedSandbox, SandboxInfo
from autofix.testing import IamSandbox

SERVICE = Path(__file__).resolve().parents[2] / "playground" / "serverless-demo"
SLS = SERVICE / "node_modules" / ".bin" / "sls"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not SLS.exists(), reason="playground node_modules not installed"),
]


def deployer_key(info: SandboxInfo, actions: list[str]) -> dict[str, str]:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    creds = IamSandbox(info).principal(policy).credentials
    return {"AccessKeyId": creds.access_key_id, "SecretAccessKey": creds.secret_access_key}


def sls(info: SandboxInfo, key: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=key["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"],
        AWS_ENDPOINT_URL=info.endpoint,
        AWS_REGION="us-east-1",
        SLS_AWS_MONITORING_FREQUENCY="250",
        SLS_TELEMETRY_DISABLED="1",
    )
    return subprocess.run(
        [str(SLS), *args],
        cwd=SERVICE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def cfn(info: SandboxInfo) -> Any:
    return boto3.client(
        "cloudformation",
        endpoint_url=info.endpoint,
        region_name=info.region,
        aws_access_key_id=info.operator.access_key_id,
        aws_secret_access_key=info.operator.secret_access_key,
    )


def test_admin_deploys_then_removes_the_playground() -> None:
    with EmbeddedSandbox() as info:
        key = deployer_key(info, ["*"])
        deployed = sls(info, key, "deploy")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        stack = cfn(info).describe_stacks(StackName="autofix-demo-dev")["Stacks"][0]
        assert stack["StackStatus"] == "UPDATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        assert outputs["ServiceEndpoint"].endswith(".execute-api.us-east-1.amazonaws.com/dev")
        assert outputs["ServiceEndpoint"] in deployed.stdout
        removed = sls(info, key, "remove")
        assert removed.returncode == 0, removed.stdout + removed.stderr
        summaries = cfn(info).list_stacks()["StackSummaries"]
        assert [s["StackStatus"] for s in summaries if s["StackName"] == "autofix-demo-dev"] == [
            "DELETE_COMPLETE"
        ]


def test_request_level_permissions_are_not_enough() -> None:
    with EmbeddedSandbox() as info:
        key = deployer_key(info, ["cloudformation:*", "s3:*"])
        deployed = sls(info, key, "deploy")
        assert deployed.returncode != 0
        assert "CREATE_FAILED" in deployed.stdout
        assert "is not authorized to perform: logs:CreateLogGroup" in deployed.stdout
        events = cfn(info).describe_stack_events(StackName="autofix-demo-dev")["StackEvents"]
        failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
        assert failed and "HandlerErrorCode: AccessDenied" in failed[0]["ResourceStatusReason"]
        assert events[0]["ResourceStatus"] == "UPDATE_ROLLBACK_COMPLETE"

"""The playground deploys with an admin deployer while every fidelity patch is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autofix.sandbox.server import SandboxInfo

PLAYGROUND = Path(__file__).resolve().parents[2] / "playground" / "serverless-demo"
SLS = PLAYGROUND / "node_modules" / ".bin" / "sls"


def sls_env(sandbox: SandboxInfo, key: str, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=key,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_ENDPOINT_URL=sandbox.endpoint,
        AWS_REGION=sandbox.region,
        SLS_AWS_MONITORING_FREQUENCY="250",
        SLS_TELEMETRY_DISABLED="1",
    )
    return env


@pytest.mark.e2e
@pytest.mark.skipif(not SLS.exists(), reason="playground node_modules not installed")
def test_playground_deploys_with_an_admin_deployer(
    sandbox: SandboxInfo,
    make_user: Callable[..., tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
    tmp_path: Path,
) -> None:
    _, client = make_user([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    creds = client("sts")._request_signer._credentials
    work = tmp_path / "svc"
    shutil.copytree(PLAYGROUND, work, symlinks=True, ignore=shutil.ignore_patterns(".serverless"))
    result = subprocess.run(
        [str(SLS), "deploy", "--stage", "e2e"],
        cwd=work,
        env=sls_env(sandbox, creds.access_key, creds.secret_key),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    stacks = operator_client("cloudformation").describe_stacks(StackName="autofix-demo-e2e")
    assert stacks["Stacks"][0]["StackStatus"].endswith("COMPLETE")

"""One embedded sandbox (with a deny log) shared by the sandbox tests."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from autofix.sandbox.server import Credentials, EmbeddedSandbox, SandboxInfo

_names = itertools.count()


@pytest.fixture(scope="session")
def deny_log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox") / "deny.jsonl"


@pytest.fixture(scope="session")
def sandbox(deny_log_path: Path) -> Iterator[SandboxInfo]:
    with EmbeddedSandbox(deny_log=deny_log_path) as info:
        yield info


def client(info: SandboxInfo, service: str, creds: Credentials) -> Any:
    return boto3.client(
        service,
        endpoint_url=info.endpoint,
        region_name=info.region,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
        config=Config(read_timeout=20, retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="session")
def operator_client(sandbox: SandboxInfo) -> Callable[[str], Any]:
    return lambda service: client(sandbox, service, sandbox.operator)


@pytest.fixture(scope="session")
def make_user(
    sandbox: SandboxInfo, operator_client: Callable[[str], Any]
) -> Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]:
    """A fresh IAM user with the given statements: (user ARN, client factory)."""

    def make(statements: list[dict[str, Any]] | None) -> tuple[str, Callable[[str], Any]]:
        iam = operator_client("iam")
        name = f"deployer-{next(_names)}"
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        if statements is not None:
            iam.put_user_policy(
                UserName=name,
                PolicyName="p",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
            )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        return arn, lambda service: client(sandbox, service, creds)

    return make

"""One embedded sandbox shared by the harvest tests; deployers made by the operator."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from autofix.account.session import Operator, local_operator
from autofix.sandbox.server import Credentials, EmbeddedSandbox, SandboxInfo

_names = itertools.count()


@dataclass(frozen=True)
class User:
    """A deployer-like IAM user and a client factory with its credentials."""

    name: str
    arn: str
    client: Callable[[str], Any]


@pytest.fixture(scope="session")
def hooked_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    """A sandbox with a deny log and the test-only state hook switched on."""
    deny_log = tmp_path_factory.mktemp("harvest") / "deny.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTOFIX_SANDBOX_TEST_HOOKS", "1")
        with EmbeddedSandbox(deny_log=deny_log) as info:
            yield info


@pytest.fixture(scope="session")
def operator(hooked_sandbox: SandboxInfo) -> Operator:
    return local_operator(hooked_sandbox)


def _client(info: SandboxInfo, service: str, creds: Credentials) -> Any:
    return boto3.client(
        service,
        endpoint_url=info.endpoint,
        region_name=info.region,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
    )


@pytest.fixture(scope="session")
def make_user(hooked_sandbox: SandboxInfo, operator: Operator) -> Callable[[list[str]], User]:
    """A fresh user allowed `actions` on every resource."""

    def make(actions: list[str]) -> User:
        iam = operator.client("iam")
        name = f"harvest-{next(_names)}"
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        if actions:
            document = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
            }
            iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        return User(name, arn, lambda service: _client(hooked_sandbox, service, creds))

    return make


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


def deny_log_of(info: SandboxInfo) -> Path:
    assert info.deny_log is not None
    return info.deny_log

"""The sandbox tests share the session's `iam_sandbox` (autofix's own pytest plugin)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from autofix.sandbox.server import SandboxInfo
from autofix.testing import IamSandbox

ONE_TRY = Config(read_timeout=20, retries={"max_attempts": 1})


@pytest.fixture(scope="session")
def sandbox(iam_sandbox: IamSandbox) -> SandboxInfo:
    return iam_sandbox.info


@pytest.fixture(scope="session")
def deny_log_path(iam_sandbox: IamSandbox) -> Path:
    assert iam_sandbox.deny_log is not None
    return iam_sandbox.deny_log


@pytest.fixture(scope="session")
def operator_client(iam_sandbox: IamSandbox) -> Callable[[str], Any]:
    admin = iam_sandbox.admin_session()
    return lambda service: admin.client(service, config=ONE_TRY)


@pytest.fixture(scope="session")
def make_user(
    iam_sandbox: IamSandbox,
) -> Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]:
    """A fresh IAM user with the given statements (None: no policy): (user ARN, client factory)."""

    def make(statements: list[dict[str, Any]] | None) -> tuple[str, Callable[[str], Any]]:
        document = {"Version": "2012-10-17", "Statement": statements}
        user = iam_sandbox.principal(None if statements is None else document)
        return user.arn, lambda service: user.client(service, config=ONE_TRY)

    return make

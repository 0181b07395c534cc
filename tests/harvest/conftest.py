"""The harvest tests share the session's `iam_sandbox`; deployers are its fresh principals."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autofix.account.session import Operator, local_operator
from autofix.sandbox.server import SandboxInfo
from autofix.testing import IamSandbox

_names = itertools.count()


@dataclass(frozen=True)
class User:
    """A deployer-like IAM user and a client factory with its credentials."""

    name: str
    arn: str
    client: Callable[[str], Any]


@pytest.fixture(scope="session")
def hooked_sandbox(iam_sandbox: IamSandbox) -> SandboxInfo:
    """The shared sandbox: a deny log, and the test-only state hook (tests/conftest.py)."""
    return iam_sandbox.info


@pytest.fixture(scope="session")
def operator(hooked_sandbox: SandboxInfo) -> Operator:
    return local_operator(hooked_sandbox)


@pytest.fixture(scope="session")
def make_user(iam_sandbox: IamSandbox) -> Callable[[list[str]], User]:
    """A fresh user allowed `actions` on every resource."""

    def make(actions: list[str]) -> User:
        document = None
        if actions:
            statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
            document = {"Version": "2012-10-17", "Statement": [statement]}
        user = iam_sandbox.principal(document)
        return User(user.user_name, user.arn, user.client)

    return make


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


def deny_log_of(info: SandboxInfo) -> Path:
    assert info.deny_log is not None
    return info.deny_log

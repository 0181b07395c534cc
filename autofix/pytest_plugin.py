"""pytest plugin (entry point `pytest11`): the `iam_sandbox` fixture.

One IAM-enforced sandbox account per test session (startup takes a few seconds), a fresh
principal per `iam_sandbox.principal(policy)` call. Loading the plugin imports no moto;
using the fixture without the `sandbox` extra fails the test with one line naming it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # boto3 and the sandbox load only when a test asks for the fixture
    from autofix.testing import IamSandbox, SandboxOptions


@pytest.fixture(scope="session")
def iam_sandbox_options() -> SandboxOptions:
    """Region and account id of the session's sandbox; override it in your conftest.py."""
    from autofix.testing import SandboxOptions

    return SandboxOptions()


@pytest.fixture(scope="session")
def iam_sandbox(
    iam_sandbox_options: SandboxOptions, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IamSandbox]:
    """An IAM-enforced sandbox account, started once per session and stopped after it."""
    from autofix.errors import AutofixError
    from autofix.sandbox.server import SandboxError
    from autofix.testing import IamSandbox

    directory = tmp_path_factory.mktemp("iam-sandbox")
    with contextlib.ExitStack() as stack:
        try:
            sandbox = stack.enter_context(IamSandbox.start(directory, iam_sandbox_options))
        except (AutofixError, SandboxError) as exc:
            pytest.fail(f"iam_sandbox: {exc}", pytrace=False)
        yield sandbox

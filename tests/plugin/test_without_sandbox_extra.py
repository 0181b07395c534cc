"""Without the `sandbox` extra (no moto): everything but the embedded sandbox works.

The CLI runs in a subprocess whose interpreter cannot import moto, flask or werkzeug, as in
an install of the distribution without its extra. The "real account" it targets is the
session's `iam_sandbox`, started by this (test) process, reached through an AWS profile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autofix.testing import IamSandbox, SandboxOptions
from tests.conftest import AWS, CliResult, write_config

BLOCKED = ("moto", "flask", "werkzeug")
NO_EXTRA = (
    "import sys\n"
    f"sys.modules.update(dict.fromkeys({BLOCKED!r}))\n"  # None: `import moto` fails
    "from autofix.cli import main\n"
    "main()\n"
)
EXTRA_MISSING = (
    'autofix: error: the embedded sandbox (sandbox.kind = "local") needs the sandbox extra'
)


def autofix_without_extra(*args: str, cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run(
        [sys.executable, "-c", NO_EXTRA, *args],
        cwd=cwd,
        env={**base, **(env or {})},
        input="An error occurred (AccessDenied) when calling the PutObject operation: x",
        capture_output=True,
        text=True,
        timeout=300,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def test_the_blocker_really_hides_moto(tmp_path: Path) -> None:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_EXTRA.replace("from autofix.cli import main\nmain()\n", "") + "import moto",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr


def test_explain_works_and_local_runs_name_the_extra(tmp_path: Path) -> None:
    explained = autofix_without_extra("explain", "--json", cwd=tmp_path)
    assert explained.exit_code == 0, explained.output
    assert json.loads(explained.stdout)["denials"][0]["action"] == "s3:PutObject"

    config = write_config(tmp_path, '[[steps]]\nname = "a"\nrun = "true"\n')
    for args in (("run", "--config", str(config)), ("sandbox",)):
        result = autofix_without_extra(*args, cwd=tmp_path)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(EXTRA_MISSING), result.stderr
        assert "pip install 'autofix-iam[sandbox]'" in lines[0]
        assert "Traceback" not in result.output


@pytest.fixture
def own_account(tmp_path: Path, iam_sandbox_options: SandboxOptions) -> Iterator[IamSandbox]:
    """A sandbox account of this test alone: a run on a real account reads the stacks the
    account changed during each attempt, and the session's shared account holds other tests'
    (a stack another principal failed at that moment stopped the run as not the deployer's)."""
    with IamSandbox.start(tmp_path / "account", iam_sandbox_options) as sandbox:
        yield sandbox


def test_a_real_account_run_check_and_render_need_no_moto(
    own_account: IamSandbox, tmp_path: Path
) -> None:
    iam_sandbox = own_account
    admin = iam_sandbox.info.operator
    profile = tmp_path / "aws-config"
    profile.write_text(
        "[profile sandbox]\n"
        f"aws_access_key_id = {admin.access_key_id}\n"
        f"aws_secret_access_key = {admin.secret_access_key}\n"
        f"endpoint_url = {iam_sandbox.endpoint_url}\nregion = {iam_sandbox.region}\n"
    )
    env = {"AWS_CONFIG_FILE": str(profile)}
    config = write_config(
        tmp_path,
        f"""
        [sandbox]
        kind = "aws"
        profile = "sandbox"
        allowed_accounts = ["{iam_sandbox.account_id}"]
        [principal]
        name = "no-extra-deployer"
        policy_name = "no-extra-policy"
        [[steps]]
        name = "topic"
        run = "{AWS} sns create-topic --name no-extra"
        """,
    )
    ran = autofix_without_extra(
        "run", "--strategy", "trial", "--config", str(config), cwd=tmp_path, env=env
    )
    assert ran.exit_code == 0, ran.output
    policy = tmp_path / ".autofix" / "policy.json"
    [statement] = json.loads(policy.read_text(encoding="utf-8"))["Statement"]
    assert statement["Action"] in ("sns:CreateTopic", ["sns:CreateTopic"])

    checked = autofix_without_extra(
        "check", "--config", str(config), "--policy", str(policy), cwd=tmp_path, env=env
    )
    assert checked.exit_code == 0, checked.output

    rendered = autofix_without_extra("render", str(policy), "--format", "terraform", cwd=tmp_path)
    assert rendered.exit_code == 0, rendered.output
    assert "sns:CreateTopic" in rendered.stdout


@pytest.mark.parametrize(
    "module", ["autofix.pytest_plugin", "autofix.testing", "autofix.commands.run"]
)
def test_modules_a_real_account_user_loads_import_without_moto(module: str) -> None:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys\nsys.modules.update(dict.fromkeys({BLOCKED!r}))\nimport {module}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr


def test_a_user_test_asking_for_iam_sandbox_without_the_extra_fails_in_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_user.py").write_text("def test_it(iam_sandbox):\n    pass\n")
    runner = (
        f"import sys\nsys.modules.update(dict.fromkeys({BLOCKED!r}))\n"
        "import pytest\nsys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'test_user.py']))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", runner], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "1 error" in ran.stdout
    assert "iam_sandbox: the embedded sandbox" in ran.stdout
    assert "pip install 'autofix-iam[sandbox]'" in ran.stdout
    assert "Traceback" not in ran.stdout

"""Bad configuration: one clear line naming the key, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_autofix, write_config

CASES = [
    ("[[steps]]\nname = 'a'\nrun = 'true'\ncolour = 'red'\n", "steps[0].colour: unknown key"),
    (
        "[sandbox]\nkind = 'cloud'\n[[steps]]\nname='a'\nrun='true'\n",
        "sandbox.kind: 'cloud' is not one of local, aws",
    ),
    (
        "[sandbox]\nkind = 'aws'\n[[steps]]\nname='a'\nrun='true'\n",
        "sandbox.allowed_accounts: required for a real account",
    ),
    (
        "[sandbox]\nregion = 'mars-1'\n[[steps]]\nname='a'\nrun='true'\n",
        "sandbox.region: 'mars-1' is not an AWS region name",
    ),
    (
        "[principal]\ntype = 'group'\n[[steps]]\nname='a'\nrun='true'\n",
        "principal.type: 'group' is not one of user, role",
    ),
    (
        "[principal]\nname = 'has space'\n[[steps]]\nname='a'\nrun='true'\n",
        "principal.name: 'has space' is not a valid IAM name",
    ),
    (
        "[loop]\nmax_attempts = 0\n[[steps]]\nname='a'\nrun='true'\n",
        "loop.max_attempts: must be a positive integer, not 0",
    ),
    (
        "[loop]\nmax_attempts = 'ten'\n[[steps]]\nname='a'\nrun='true'\n",
        "loop.max_attempts: must be a positive integer, not 'ten'",
    ),
    ("[sandbox]\n", "steps: at least one [[steps]] entry is required"),
    ("[[steps]]\nname = 'a'\n", "steps[0].run: required"),
    ("[[steps]]\nname = 'a'\nrun = 'true'\ncwd = 'nowhere'\n", "steps[0].cwd:"),
    (
        "[[steps]]\nname = 'a'\nrun = 'true'\nenv = { AWS_PROFILE = 'prod' }\n",
        "steps[0].env: AWS_PROFILE: AWS credentials and endpoints are set by autofix",
    ),
    (
        "[[steps]]\nname = 'a'\nrun = 'true'\n[[steps]]\nname = 'a'\nrun = 'true'\n",
        "the step name 'a' is used twice",
    ),
    ("[[steps]\nname = 'a'\n", "invalid TOML"),
    (
        "[policy]\nscope = 'tight'\n[[steps]]\nname='a'\nrun='true'\n",
        "policy.scope: 'tight' is not one of resource, service, any",
    ),
    ("deploy = true\n[[steps]]\nname='a'\nrun='true'\n", "deploy: unknown key"),
    (
        "[sandbox]\nkind = 'aws'\nallowed_accounts = ['111122223333']\n"
        "[[setup]]\nname = 'bootstrap'\nrun = 'true'\n[[steps]]\nname='a'\nrun='true'\n",
        "setup: runs as the sandbox's operator, so only on the embedded sandbox",
    ),
    (
        "[[setup]]\nname = 'b'\nrun = 'true'\nrehearse = true\n[[steps]]\nname='a'\nrun='true'\n",
        "setup[0].rehearse: unknown key",
    ),
    ("[[setup]]\nrun = 'true'\n[[steps]]\nname='a'\nrun='true'\n", "setup[0].name: required"),
    (
        "[policy]\npermissions_boundary = 'boundary'\n[[steps]]\nname='a'\nrun='true'\n",
        "policy.permissions_boundary: 'boundary': expected a managed policy ARN",
    ),
]


@pytest.mark.parametrize(("body", "message"), CASES)
def test_config_error_is_one_line_and_exit_2(tmp_path: Path, body: str, message: str) -> None:
    config = write_config(tmp_path, body)
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_config_file(tmp_path: Path) -> None:
    result = run_autofix("run", "--strategy", "trial", "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2
    assert "no such config file" in result.stderr


def test_no_config_and_no_command(tmp_path: Path) -> None:
    result = run_autofix("run", "--strategy", "trial", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no config" in result.stderr


def test_pyproject_tool_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n[tool.autofix.loop]\nmax_attempts = -1\n"
        "[[tool.autofix.steps]]\nname = 'a'\nrun = 'true'\n"
    )
    result = run_autofix("run", "--strategy", "trial", cwd=tmp_path)
    assert result.exit_code == 2
    assert "loop.max_attempts: must be a positive integer" in result.stderr


def test_start_policy_errors_name_file_and_line(tmp_path: Path) -> None:
    start = tmp_path / "start.json"
    start.write_text('{\n  "Version": "2012-10-17",\n  "Statement": [\n}\n')
    config = write_config(
        tmp_path, "[policy]\nstart = 'start.json'\n[[steps]]\nname='a'\nrun='true'\n"
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 2
    assert f"{start}:4: invalid JSON" in result.stderr

"""The pydantic schema of autofix.toml: wrong shapes read as one line naming the key."""

from __future__ import annotations

import tomllib
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from autofix.config import parse_config
from autofix.config.tables import LoopConfig, PrincipalConfig, SandboxConfig
from autofix.errors import ConfigError
from tests.conftest import run_autofix, write_config

STEP = "[[steps]]\nname = 'a'\nrun = 'true'\n"

CASES = [
    ("steps = 'sls deploy'\n", "steps: must be a list of [[steps]] tables, got a string"),
    ("steps = ['sls deploy']\n", "steps[0]: must be a table"),
    ("sandbox = 'local'\n" + STEP, "sandbox: must be a table"),
    ("setup = 3\n" + STEP, "setup: must be a list of [[setup]] tables, got an integer"),
    (
        "[sandbox]\nkind = 'aws'\nallowed_accounts = ['111122223333']\n"
        "account_id = '111122223333'\n" + STEP,
        "sandbox.account_id: only for the embedded sandbox; use allowed_accounts",
    ),
    (
        "[sandbox]\nkind = 'aws'\nallowed_accounts = ['111122223333']\nplugins = ['x']\n" + STEP,
        "sandbox.plugins: only for the embedded sandbox",
    ),
    (
        STEP + "rehearse = false\nrehearse_run = 'x'\n",
        "steps[0].rehearse_run: given, but rehearse = false",
    ),
    (STEP + "rehearse = 'yes'\n", "steps[0].rehearse: must be true or false"),
    (STEP + "timeout = true\n", "steps[0].timeout: must be a positive number, not True"),
    ("[policy]\nallow_self_edit = 1\n" + STEP, "policy.allow_self_edit: must be true or false"),
    (
        "[sandbox]\nsimulate_propagation_seconds = -1\n" + STEP,
        "sandbox.simulate_propagation_seconds: must be a number >= 0",
    ),
    (
        "[loop]\nmax_minutes = 5\nattempts = 3\n" + STEP,
        "loop.attempts: unknown key (expected one of: max_attempts, max_minutes)",
    ),
    (
        STEP + "colour = 'red'\n",
        "steps[0].colour: unknown key (expected one of: cwd, env, name, rehearse, "
        "rehearse_run, run, stacks, timeout)",
    ),
]


@pytest.mark.parametrize(("body", "message"), CASES)
def test_a_wrong_shape_names_its_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(tomllib.loads(body), tmp_path, tmp_path / "autofix.toml")
    assert str(caught.value) == f"{tmp_path / 'autofix.toml'}: {message}"


def test_values_are_typed_and_relative_paths_start_at_the_file(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    body = (
        "[policy]\nstart = 'start.json'\n[loop]\nmax_attempts = 7\nmax_minutes = 2\n"
        "[principal]\ntype = 'role'\nname = 'ci'\nalso_manage = ['arn:aws:iam::1:role/a/b']\n"
        + STEP
        + "cwd = 'app'\nstacks = ['s']\n"
    )
    config = parse_config(tomllib.loads(body), tmp_path)
    assert config.policy.start == tmp_path / "start.json"
    assert config.loop == LoopConfig(7, 2.0)
    assert isinstance(config.loop.max_attempts, int)
    assert config.principal.also_manage == ("b",)
    assert config.steps[0].cwd == (tmp_path / "app").resolve()
    assert config.steps[0].stacks == ("s",)


def test_tables_are_frozen_and_checked_in_code_too() -> None:
    sandbox = SandboxConfig()
    with pytest.raises(FrozenInstanceError):
        sandbox.kind = "aws"  # type: ignore[misc]
    with pytest.raises(ValueError, match="required for a real account"):
        SandboxConfig(kind="aws")


def test_a_managed_role_policy_name_may_be_longer_than_a_role_name() -> None:
    """`wiring.managed_roles` names each managed role's policy `<policy_name>-<role>`."""
    assert len(PrincipalConfig(policy_name="p" * 100).policy_name) == 100
    with pytest.raises(ValueError, match="is not a valid IAM name"):
        PrincipalConfig(policy_name="p" * 129)
    with pytest.raises(ValueError, match="is not a valid IAM name"):
        PrincipalConfig(name="n" * 65)


def test_steps_as_a_string_exits_2_on_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, "steps = 'sls deploy'\n")
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"autofix: error: {config}: steps: must be a list of [[steps]] tables, got a string"
    ]


def test_a_bad_region_on_the_command_line_exits_2(tmp_path: Path) -> None:
    result = run_autofix("run", "--region", "mars", "--", "true", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "--region: 'mars' is not an AWS region name" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

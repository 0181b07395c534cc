"""The harvest and extra-principal keys of autofix.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from autofix.config import parse_config
from autofix.config.tables import HarvestConfig
from autofix.errors import ConfigError

STEP = {"name": "a", "run": "true"}


def test_defaults(tmp_path: Path) -> None:
    config = parse_config({"steps": [STEP]}, tmp_path)
    assert config.harvest == HarvestConfig((), 300.0)
    assert config.principal.also_manage == ()
    assert config.steps[0].stacks == ()


def test_named_stacks_wait_bound_and_managed_roles(tmp_path: Path) -> None:
    config = parse_config(
        {
            "harvest": {"stacks": ["shared-network"], "cloudtrail_wait_seconds": 90},
            "principal": {
                "also_manage": [
                    "role/cfn-exec",
                    "arn:aws:iam::123456789012:role/service/cdk-exec",
                    "fn-role",
                ]
            },
            "steps": [{**STEP, "stacks": ["app-dev"]}],
        },
        tmp_path,
    )
    assert config.harvest == HarvestConfig(("shared-network",), 90.0)
    assert config.principal.also_manage == ("cfn-exec", "cdk-exec", "fn-role")
    assert config.steps[0].stacks == ("app-dev",)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"harvest": {"stacks": "one"}}, "harvest.stacks: must be a list"),
        ({"harvest": {"cloudtrail_wait_seconds": 0}}, "harvest.cloudtrail_wait_seconds: must be"),
        ({"harvest": {"stack": []}}, "harvest.stack: unknown key"),
        ({"principal": {"also_manage": ["user/bob:x"]}}, "principal.also_manage: 'user/bob:x'"),
        (
            {"principal": {"also_manage": ["arn:aws:iam::123456789012:user/bob"]}},
            "is not a role name or ARN",
        ),
        (
            {"principal": {"type": "role", "name": "ci", "also_manage": ["ci"]}},
            "is the deployer itself",
        ),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_config({**raw, "steps": [STEP]}, tmp_path)


def test_step_stacks_must_be_strings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"steps\[0\]\.stacks"):
        parse_config({"steps": [{**STEP, "stacks": [1]}]}, tmp_path)

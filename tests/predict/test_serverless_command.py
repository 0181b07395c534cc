"""The packaging command `--strategy predict` derives from a step's Serverless command."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from autofix.predict.serverless import parse_command


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("sls deploy --stage dev", "sls package --stage dev --package OUT"),
        # a rehearsal: env assignments kept, deploy-only flags dropped (package rejects them)
        (
            "MEMORY=256 npx sls deploy --stage dev --force --conceal",
            "MEMORY=256 npx sls package --stage dev --package OUT",
        ),
        (
            "sls deploy --package old --aws-s3-accelerate -r eu-west-1",
            "sls package -r eu-west-1 --package OUT",
        ),
        ("osls deploy --package=old --stage=prod", "osls package --stage=prod --package OUT"),
        ("sls remove --stage dev", "sls package --stage dev --package OUT"),
    ],
)
def test_a_step_is_packaged_with_the_options_package_accepts(run: str, expected: str) -> None:
    command = parse_command(run)
    assert command is not None
    assert shlex.split(command.as_package(Path("OUT"))) == shlex.split(expected)


@pytest.mark.parametrize("run", ["sls deploy function -f hello", "make deploy", "sls"])
def test_other_commands_are_not_packaged(run: str) -> None:
    assert parse_command(run) is None

"""The packaging command `--strategy predict` derives from a step's Serverless command."""

from __future__ import annotations

import shlex
import subprocess
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


LEAD = "export EDGE_PORT=${AWS_ENDPOINT_URL##*:}; unset AWS_ENDPOINT_URL; "


def test_a_shell_lead_before_the_command_is_kept_verbatim() -> None:
    # serverless-localstack's steps (playground/serverless-upgrade/v3, services/sls3-storefront):
    # the lead's `;` and `${...}` must stay shell syntax, not become quoted words
    command = parse_command(LEAD + "sls deploy --stage dev --force")
    assert command is not None and command.verb == "deploy"
    assert command.as_package(Path("OUT")) == LEAD + "sls package --stage dev --package OUT"


def test_the_packaging_line_runs_its_lead_in_the_shell(tmp_path: Path) -> None:
    # the derived line, run by sh as the step's would be: the export still expands
    (tmp_path / "sls").write_text('#!/bin/sh\necho "$EDGE_PORT:${AWS_ENDPOINT_URL-unset}:$*"\n')
    (tmp_path / "sls").chmod(0o755)
    command = parse_command(LEAD + "sls deploy --stage dev")
    assert command is not None
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}
    done = subprocess.run(
        ["sh", "-c", command.as_package(Path("OUT"))], env=env, capture_output=True, text=True
    )
    assert done.stdout.strip() == "4566:unset:package --stage dev --package OUT"


@pytest.mark.parametrize(
    ("run", "found"),
    [
        (
            "cd svc && npx sls deploy -s prod 2>&1 | tee log",
            ("cd svc && ", "deploy", "-s prod 2>&1"),
        ),
        ("echo 'a; sls deploy' ; sls remove", ("echo 'a; sls deploy' ; ", "remove", "")),
        ('X="$(date; echo)" sls deploy', ("", "deploy", "")),
    ],
)
def test_the_command_is_found_between_shell_operators(
    run: str, found: tuple[str, str, str]
) -> None:
    command = parse_command(run)
    assert command is not None
    lead, verb, options = found
    assert (command.lead, command.verb) == (lead, verb)
    assert " ".join(command.words[command.verb_at + 1 :]) == options

"""Fault tests: a small awscli step, autofix started and stopped as CI or a user would."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import AWS, write_config

STEP = (
    "{aws} sns create-topic --name t >/dev/null && "
    "{aws} ssm put-parameter --name /p --value v --type String --overwrite >/dev/null && "
    "{{ [ -e {gate} ] || {{ touch {ready}; tail -f {ready}; }}; }} && "
    "{aws} dynamodb list-tables >/dev/null && {aws} s3api list-buckets >/dev/null"
)
"""Four actions; until `gate` exists the step stops half-way, at `ready`, and blocks."""


def gated_config(directory: Path) -> tuple[Path, Path, Path]:
    """(config, gate, ready) of a one-step service that can be held half-way."""
    gate, ready = directory / "gate", directory / "ready"
    step = STEP.format(aws=AWS, gate=gate, ready=ready)
    config = write_config(directory, f'[[steps]]\nname = "deploy"\nrun = "{step}"\n')
    return config, gate, ready


def start_autofix(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.Popen(
        [sys.executable, "-m", "autofix", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.2)


def leftovers(marker: str) -> list[str]:
    """Processes whose command line mentions `marker` (this test's directory)."""
    found = subprocess.run(["pgrep", "-af", marker], capture_output=True, text=True)
    return [line for line in found.stdout.splitlines() if "pgrep" not in line]


def wait_gone(marker: str, seconds: float = 20) -> list[str]:
    """What is still alive after `seconds` (the watchdogs need a moment)."""
    deadline = time.monotonic() + seconds
    while (left := leftovers(marker)) and time.monotonic() < deadline:
        time.sleep(0.25)
    return left


@pytest.fixture
def no_orphans(tmp_path: Path) -> Iterator[str]:
    """Kills (and reports) whatever a test left alive under its directory."""
    marker = str(tmp_path)
    yield marker
    for line in leftovers(marker):
        pid = int(line.split()[0])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)

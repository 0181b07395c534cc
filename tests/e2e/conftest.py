"""The playground, copied to a temporary directory, run once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, CliResult, read_json, run_autofix

PLAYGROUND = REPO / "playground" / "serverless-demo"


@dataclass(frozen=True)
class PlaygroundRun:
    directory: Path
    result: CliResult

    @property
    def out(self) -> Path:
        return self.directory / ".autofix"

    @property
    def summary(self) -> Any:
        return read_json(self.out / "summary.json")

    @property
    def policy(self) -> Any:
        return read_json(self.out / "policy.json")


def copy_playground(target: Path) -> Path:
    if not (PLAYGROUND / "node_modules" / ".bin" / "sls").exists():
        pytest.fail("the playground's npm packages are not installed: run `make install`")
    shutil.copytree(
        PLAYGROUND,
        target,
        ignore=shutil.ignore_patterns("node_modules", ".autofix", ".serverless"),
    )
    (target / "node_modules").symlink_to(PLAYGROUND / "node_modules")
    return target


@pytest.fixture(scope="session")
def playground_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlaygroundRun]:
    """`autofix run` on the playground, from an empty policy (about three minutes)."""
    directory = copy_playground(tmp_path_factory.mktemp("run") / "serverless-demo")
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(directory / "autofix.toml"), timeout=1500
    )
    yield PlaygroundRun(directory, result)

"""One `autofix run` per corpus service, copied to a temporary directory, per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, read_json, run_autofix
from tests.corpus.expectations import CORPUS, services

# The services `make test` keeps (marked `corpus_sample`), among those that converge today;
# `make corpus` runs them all (see playground/corpus/README.md for the ones that do not).
SAMPLE = ("http-api-dynamodb", "sns-subscriptions", "streams")


@dataclass(frozen=True)
class CorpusRun:
    service: str
    directory: Path
    out: Path
    result: CliResult

    @property
    def summary(self) -> Any:
        return read_json(self.out / "summary.json")

    @property
    def policy(self) -> Any:
        return read_json(self.out / "policy.json")


def copy_service(service: str, target: Path) -> Path:
    """`target/corpus/SERVICE`, beside a link to the corpus's node_modules (as in the repo)."""
    if not (CORPUS / "node_modules" / ".bin" / "sls").exists():
        pytest.fail("the corpus's npm packages are not linked: run `make install`")
    root = target / "corpus"
    root.mkdir(parents=True)
    (root / "node_modules").symlink_to((CORPUS / "node_modules").resolve())
    shutil.copytree(
        CORPUS / service,
        root / service,
        ignore=shutil.ignore_patterns("node_modules", ".autofix", ".serverless"),
    )
    return root / service


def _params() -> list[Any]:
    return [
        pytest.param(s, marks=[pytest.mark.corpus_sample] if s in SAMPLE else [], id=s)
        for s in services()
    ]


@pytest.fixture(scope="session", params=_params())
def corpus_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CorpusRun]:
    """`autofix run` on one service from an empty policy: deploy `dev`, then remove it."""
    service: str = request.param
    scratch = tmp_path_factory.mktemp(f"corpus-{service}")
    directory = copy_service(service, scratch)
    out = scratch / "out"
    result = run_autofix(
        "run", "--config", str(directory / "autofix.toml"), "--out", str(out), timeout=3600
    )
    yield CorpusRun(service, directory, out, result)

"""Shared test helpers: write a config, run the real CLI as a user would."""

from __future__ import annotations

import functools
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from autofix.records.event_lines import LedgerLine, read_lines
from autofix.records.events import LedgerEvent
from autofix.testing import SandboxOptions
from tests.support.stack_status import PLUGIN as STACK_STATUS

E = TypeVar("E", bound=LedgerEvent)

REPO = Path(__file__).resolve().parents[1]
AWS = f"{sys.executable} -m awscli"

SHARED_RUN_DIRS = ("tests/e2e/", "tests/report/", "tests/upgrade/")
"""Directories whose test files read session-scoped `autofix run`s they share (the
playground's, the report's two real runs, the upgrade demo's): a few minutes each."""


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under pytest-xdist (`make test`), a test file runs on one worker, so its module-scoped
    runs happen once, and so does a directory of SHARED_RUN_DIRS, so its shared runs do."""
    from xdist.scheduler import LoadScopeScheduling

    class SharedRunScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((d for d in SHARED_RUN_DIRS if path.startswith(d)), path)

    return SharedRunScheduling(config, log)


SPAWNS = re.compile(r"\b(run_autofix|start_autofix|subprocess|iam_sandbox|EmbeddedSandbox|Popen)\b")
"""What starts another process (the autofix CLI, the sandbox server, a deploy tool): a test
whose module, a helper it imports from tests/, or a fixture it uses says one of these is
marked `spawns`."""


@functools.cache
def _says_spawn(code: Any) -> bool:
    """Whether the source of a module or a function names something of SPAWNS."""
    try:
        return SPAWNS.search(inspect.getsource(code)) is not None
    except (OSError, TypeError):
        return False


def _helpers(module: Any) -> list[Any]:
    """The test helpers a test module imports from other modules of tests/."""
    return [
        value
        for value in vars(module).values()
        if inspect.isfunction(value)
        and value.__module__.startswith("tests.")
        and value.__module__ != module.__name__
    ]


def _spawns(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    if module is not None and (
        _says_spawn(module) or any(_says_spawn(helper) for helper in _helpers(module))
    ):
        return True
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return "iam_sandbox" in item.fixturenames or any(
        _says_spawn(fixturedef.func)
        for name in item.fixturenames
        for fixturedef in info.name2fixturedefs.get(name, ())
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `spawns` what starts another process; `make test-fast` runs the rest."""
    for item in items:
        if _spawns(item):
            item.add_marker(pytest.mark.spawns)


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def venv_on_path() -> dict[str, str]:
    """PATH with this Python's bin first: the venv's `aws` (awscli) for steps and scripts."""
    return {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_autofix(
    *args: str, cwd: Path | None = None, timeout: float = 600, env: dict[str, str] | None = None
) -> CliResult:
    """Run `autofix ARGS` in a subprocess, the way a user does (no AWS_* of ours leaks in)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env = {**base, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "autofix", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def write_config(directory: Path, body: str) -> Path:
    path = directory / "autofix.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def ledger_lines(path: Path) -> list[LedgerLine]:
    """A ledger the CLI wrote, read as typed events; every line of it must be readable."""
    lines, unreadable = read_lines(path)
    assert unreadable == 0, f"{path}: {unreadable} unreadable ledger line(s)"
    return lines


def ledger_events(path: Path) -> list[LedgerEvent]:
    return [line.event for line in ledger_lines(path)]


def events_of(path: Path, kind: type[E]) -> list[E]:
    """The ledger's events of one kind, in order."""
    return [e for e in ledger_events(path) if isinstance(e, kind)]


@pytest.fixture
def aws_cli() -> str:
    """The real AWS CLI (from PyPI), run with this interpreter."""
    return AWS


@pytest.fixture(scope="session")
def iam_sandbox_options() -> SandboxOptions:
    """The shared `iam_sandbox` (autofix's pytest plugin), with the tests' stack-status plugin."""
    return SandboxOptions(plugins=(STACK_STATUS,))

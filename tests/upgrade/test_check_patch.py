"""`check --write-patch` adds what `run --from` would add for the same denials, and no more."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import AWS, read_json, run_autofix, write_config

START = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*"}],
}
QUIET = {"GITHUB_ACTIONS": "false"}


def _setup(tmp_path: Path, run: str) -> tuple[Path, Path]:
    config = write_config(tmp_path, f'[[steps]]\nname = "topics"\nrun = "{run}"\n')
    start = tmp_path / "start.json"
    start.write_text(json.dumps(START))
    return config, start


def test_patch_is_what_run_from_adds(tmp_path: Path) -> None:
    config, start = _setup(
        tmp_path, f"{AWS} sns list-topics && {AWS} sns create-topic --name orders"
    )
    patch = tmp_path / "patch.json"
    checked = run_autofix(
        "check",
        "--config",
        str(config),
        "--policy",
        str(start),
        "--write-patch",
        str(patch),
        "--json",
        env=QUIET,
    )
    assert checked.exit_code == 1, checked.output
    widened = run_autofix(
        "run", "--strategy", "trial", "--config", str(config), "--from", str(start)
    )
    assert widened.exit_code == 0, widened.output
    after = read_json(tmp_path / ".autofix" / "policy.json")
    added = [s for s in after["Statement"] if s["Action"] != ["sns:ListTopics"]]
    assert read_json(patch)["Statement"] == added
    assert json.loads(checked.stdout)["patch"] == read_json(patch)


def test_a_step_that_succeeds_despite_a_denial_passes_with_a_patch(tmp_path: Path) -> None:
    config, start = _setup(tmp_path, f"{AWS} sns create-topic --name orders || true")
    patch = tmp_path / "patch.json"
    checked = run_autofix(
        "check",
        "--config",
        str(config),
        "--policy",
        str(start),
        "--write-patch",
        str(patch),
        "--json",
        env=QUIET,
    )
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.stdout)
    assert report["ok"] is True
    assert [m["action"] for m in report["steps"][0]["missing"]] == ["sns:CreateTopic"]
    assert [s["Action"] for s in read_json(patch)["Statement"]] == [["sns:CreateTopic"]]
    assert "a warning only" in checked.stderr
    assert "the saved policy still works" in checked.stderr

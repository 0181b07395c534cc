"""The output directory's files: a planted symlink is never written through, and a folder
that is not autofix's is not overwritten without --force (issue 22)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from autofix.records.out_dir import MARKER
from tests.conftest import CliResult, run_autofix, write_config


def _config(directory: Path) -> Path:
    return write_config(directory, '[[steps]]\nname = "deploy"\nrun = "echo deployed"\n')


def _run(config: Path, *more: str) -> CliResult:
    return run_autofix(
        "run", "--strategy", "trial", "--config", str(config), "--no-verify", *more, timeout=300
    )


def _one_line(result: CliResult) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("planted", ["ledger.jsonl", "sandbox.log", "policy.json", ".lock"])
def test_a_planted_symlink_in_the_output_directory_is_refused(tmp_path: Path, planted: str) -> None:
    dotfile = tmp_path / "home" / ".bashrc"
    dotfile.parent.mkdir()
    dotfile.write_text("the user's own settings\n")
    config = _config(tmp_path)
    out = tmp_path / ".autofix"
    out.mkdir()
    (out / MARKER).write_text("")
    (out / planted).symlink_to(dotfile)

    result = _run(config)
    assert result.exit_code == 2, result.output[-2000:]
    line = _one_line(result)
    assert f"{out / planted} is a symlink" in line
    assert dotfile.read_text() == "the user's own settings\n"
    assert (out / planted).is_symlink()


def test_a_symlinked_folder_inside_the_output_directory_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / ".autofix"
    out.mkdir()
    (out / "verify").symlink_to(elsewhere, target_is_directory=True)
    result = run_autofix("run", "--config", str(_config(tmp_path)), timeout=300)
    assert result.exit_code == 2, result.output[-2000:]
    assert f"{out / 'verify'} is a symlink" in _one_line(result)
    assert list(elsewhere.iterdir()) == []


def test_a_folder_that_is_not_autofix_output_is_not_overwritten(tmp_path: Path) -> None:
    mine = tmp_path / "policies"
    mine.mkdir()
    (mine / "policy.json").write_text('{"the": "user\'s own policy"}\n')
    config = _config(tmp_path)

    refused = _run(config, "--out", str(mine))
    assert refused.exit_code == 2, refused.output[-2000:]
    line = _one_line(refused)
    assert "not an autofix output directory" in line and "policy.json" in line
    assert "--force" in line
    assert (mine / "policy.json").read_text() == '{"the": "user\'s own policy"}\n'
    assert sorted(p.name for p in mine.iterdir()) == ["policy.json"]

    forced = _run(config, "--out", str(mine), "--force")
    assert forced.exit_code == 0, forced.output[-2000:]
    assert (mine / MARKER).is_file()
    again = _run(config, "--out", str(mine))  # now marked as autofix's: no --force needed
    assert again.exit_code == 0, again.output[-2000:]


def test_an_output_directory_of_an_earlier_version_is_still_autofix_s(tmp_path: Path) -> None:
    config = _config(tmp_path)
    out = tmp_path / ".autofix"
    assert _run(config).exit_code == 0
    os.unlink(out / MARKER)  # as an autofix without markers left it: a ledger says whose it is
    result = _run(config)
    assert result.exit_code == 0, result.output[-2000:]
    assert (out / MARKER).is_file()


def test_check_refuses_a_folder_that_is_not_autofix_output(tmp_path: Path) -> None:
    config = _config(tmp_path)
    saved = tmp_path / "saved-policy.json"
    statement = {"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*"}
    saved.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("mine\n")
    result = run_autofix(
        "check",
        "--config",
        str(config),
        "--policy",
        str(saved),
        "--out",
        str(mine),
        timeout=300,
    )
    assert result.exit_code == 2, result.output[-2000:]
    assert "not an autofix output directory" in _one_line(result)
    assert sorted(p.name for p in mine.iterdir()) == ["todo.txt"]

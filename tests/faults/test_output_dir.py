"""The output directory: one run at a time, and read-only, missing or full is one line, exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_autofix, write_config
from tests.faults.conftest import gated_config, start_autofix, wait_for, wait_gone


def test_a_second_run_on_the_same_directory_is_refused(tmp_path: Path, no_orphans: str) -> None:
    config, _, ready = gated_config(tmp_path)
    first = start_autofix("run", "--strategy", "trial", "--config", str(config), "--no-verify")
    try:
        wait_for(ready, first)
        ledger_before = (tmp_path / ".autofix" / "ledger.jsonl").read_text()
        second = run_autofix(
            "run", "--strategy", "trial", "--config", str(config), "--no-verify", timeout=120
        )
        assert second.exit_code == 2, second.output
        [line] = second.stderr.strip().splitlines()
        assert "in use by another autofix run" in line and str(first.pid) in line
        assert (tmp_path / ".autofix" / "ledger.jsonl").read_text().startswith(ledger_before)
    finally:
        os.kill(first.pid, signal.SIGTERM)
        first.communicate(timeout=60)
    assert first.returncode == 143
    assert wait_gone(no_orphans) == []


def _one_line_error(result_stderr: str) -> str:
    assert "Traceback" not in result_stderr
    lines = result_stderr.strip().splitlines()
    assert len(lines) == 1, result_stderr
    return lines[0]


def test_output_directory_under_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    result = run_autofix(
        "run", "--strategy", "trial", "--out", str(tmp_path / "afile" / "out"), "--", "true"
    )
    assert result.exit_code == 2
    assert "not a directory" in _one_line_error(result.stderr)


@pytest.fixture
def mount_tmpfs(tmp_path: Path) -> Iterator[object]:
    """Mount a small tmpfs (root only: skipped, loudly, otherwise)."""
    if os.geteuid() != 0:
        pytest.skip("NOT TESTED: mounting a small tmpfs needs root (read-only and full disks)")
    mounted: list[Path] = []

    def mount(name: str, size: str, read_only: bool = False) -> Path:
        target = tmp_path / name
        target.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)])
        if done.returncode != 0:
            pytest.skip("NOT TESTED: cannot mount a tmpfs here")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", "-l", str(target)], check=False)


def test_read_only_output_directory_is_one_line(tmp_path: Path, mount_tmpfs) -> None:  # type: ignore[no-untyped-def]
    read_only = mount_tmpfs("ro", "1m", read_only=True)
    for out in (read_only, read_only / "out"):
        result = run_autofix("run", "--strategy", "trial", "--out", str(out), "--", "true")
        assert result.exit_code == 2, result.output
        assert "read-only file system" in _one_line_error(result.stderr)


def test_full_output_directory_is_one_line(tmp_path: Path, mount_tmpfs) -> None:  # type: ignore[no-untyped-def]
    full = mount_tmpfs("full", "256k")
    out = full / "out"  # empty (an output directory to be), on a disk then filled up
    out.mkdir()
    subprocess.run(["dd", "if=/dev/zero", f"of={full / 'filler'}", "bs=4k"], capture_output=True)
    result = run_autofix("run", "--strategy", "trial", "--out", str(out), "--", "true")
    assert result.exit_code == 2, result.output
    assert "no space left on device" in _one_line_error(result.stderr)
    assert sorted(p.name for p in full.iterdir()) == ["filler", "out"]
    assert list(out.iterdir()) == [], "nothing half-written"


def test_disk_filling_up_mid_step_is_named(tmp_path: Path, mount_tmpfs, no_orphans: str) -> None:  # type: ignore[no-untyped-def]
    disk = mount_tmpfs("disk", "4m")
    # the step fills the disk the output directory is on, as a build writing artefacts would
    config = write_config(
        tmp_path, f'[[steps]]\nname = "build"\nrun = "dd if=/dev/zero of={disk}/artefact bs=64k"\n'
    )
    result = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--config",
        str(config),
        "--out",
        str(disk / "out"),
        "--no-verify",
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert "not a permission error" not in result.output
    assert "no space left on device" in result.output.lower()
    assert wait_gone(no_orphans) == []
    out = disk / "out"
    assert not list(out.glob(".*.tmp")), "no half-written temporary files are left"
    for name in ("policy.json", "summary.json"):
        if (out / name).exists():
            json.loads((out / name).read_text())  # whole, or not there at all

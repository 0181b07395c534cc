"""Every derived data file matches what its deriver makes from the pinned packages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "regenerate_data.py"


def test_every_derived_data_file_is_fresh() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr


def test_the_check_names_a_stale_file(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "autofix" / "data" / "derived", tmp_path / "data")
    target = tmp_path / "data" / "cfn_generated_names.json"
    data = json.loads(target.read_bytes())
    data[next(iter(data))] = "tampered"
    target.write_text(json.dumps(data))
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1
    assert "stale: " in done.stderr and "cfn_generated_names.json" in done.stderr

"""The hidden-knowledge benchmark's knobs live in benchmarks/, the product keeps a hook only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from autofix.predict import hidden
from autofix.predict.hidden import Hidden
from benchmarks.hidden_autofix import digest_share, from_environment

REPO = Path(__file__).resolve().parents[2]
TYPES = [f"AWS::Test::Type{i}" for i in range(200)]


def test_a_user_run_hides_nothing() -> None:
    assert hidden.current() == Hidden()
    assert not any(Hidden().hides(t) for t in TYPES) and not Hidden().profile


def test_all_a_share_or_a_list_of_types() -> None:
    assert all(from_environment({"AUTOFIX_PREDICT_HIDE_TYPES": "all"}).hides(t) for t in TYPES)
    share = from_environment({"AUTOFIX_PREDICT_HIDE_TYPES": "30%"})
    hidden_types = {t for t in TYPES if share.hides(t)}
    assert hidden_types == {t for t in TYPES if digest_share(t) < 0.3}
    assert 30 < len(hidden_types) < 90  # about 30% of 200
    listed = from_environment({"AUTOFIX_PREDICT_HIDE_TYPES": "AWS::Test::Type1, AWS::Test::Type2"})
    assert {t for t in TYPES if listed.hides(t)} == {"AWS::Test::Type1", "AWS::Test::Type2"}
    assert not from_environment({}).hides(TYPES[0])


def test_the_profile_knob() -> None:
    assert from_environment({"AUTOFIX_PREDICT_HIDE_PROFILE": "1"}).profile
    assert not from_environment({"AUTOFIX_PREDICT_HIDE_PROFILE": "0"}).profile


def test_the_package_reads_no_knob() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "autofix").rglob("*.py"))
    assert "AUTOFIX_PREDICT_HIDE" not in text


def test_the_runner_is_autofix_with_the_knobs_read() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "hidden_autofix.py"), "--help"],
        capture_output=True,
        text=True,
        env={"AUTOFIX_PREDICT_HIDE_TYPES": "all", "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "run" in proc.stdout and "check" in proc.stdout

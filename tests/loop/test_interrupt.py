"""Ctrl-C in the middle of an attempt leaves a valid policy.json and ledger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import AWS, ledger_events, read_json, write_config


def test_interrupt_keeps_policy_and_ledger(tmp_path: Path) -> None:
    marker = tmp_path / "sleeping"
    config = write_config(
        tmp_path,
        f"""
        [[steps]]
        name = "slow"
        run = "{AWS} sns create-topic --name t && touch {marker} && sleep 60"
        """,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "autofix", "run", "--strategy", "trial", "--config", str(config)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the step never reached its second attempt"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr

    out = tmp_path / ".autofix"
    policy = read_json(out / "policy.json")
    assert [s["Action"] for s in policy["Statement"]] == [["sns:CreateTopic"]]
    names = [e.kind for e in ledger_events(out / "ledger.jsonl")]
    assert names[-2:] == ["run_interrupted", "run_end"]
    assert read_json(out / "summary.json")["ok"] is False
    assert not list(out.glob(".*.tmp")), "no half-written temporary files are left"
    sleepers = subprocess.run(["pgrep", "-f", f"touch {marker}"], capture_output=True)
    assert sleepers.returncode == 1, "the step's processes were stopped"

"""SIGINT, SIGTERM and SIGKILL mid-run: nothing left running, then `run --resume` finishes.

The resumed run starts from the saved policy: it needs fewer attempts than a fresh run
and ends with the same policy.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from autofix.records.events import AttemptStart, GrantAdded
from tests.conftest import events_of, ledger_lines, read_json, run_autofix
from tests.faults.conftest import gated_config, start_autofix, wait_for, wait_gone


def actions_of(policy: dict[str, object]) -> list[str]:
    statements = policy["Statement"]
    assert isinstance(statements, list)
    return sorted(
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The same service run from scratch, with the gate open from the start."""
    directory = tmp_path_factory.mktemp("fresh")
    config, gate, _ = gated_config(directory)
    gate.touch()
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(config), "--no-verify", timeout=300
    )
    assert result.exit_code == 0, result.output[-2000:]
    summary = read_json(directory / ".autofix" / "summary.json")
    return {
        "attempts": summary["attempts_total"],
        "policy": read_json(directory / ".autofix" / "policy.json"),
    }


@pytest.mark.parametrize(
    ("signum", "exit_code"),
    [
        pytest.param(signal.SIGINT, 130, marks=pytest.mark.e2e),
        (signal.SIGTERM, 143),
        pytest.param(signal.SIGKILL, -9, marks=pytest.mark.e2e),
    ],
    ids=["SIGINT", "SIGTERM", "SIGKILL"],
)
def test_stopped_run_leaves_nothing_running_and_resumes(
    tmp_path: Path, no_orphans: str, fresh_run: dict[str, object], signum: int, exit_code: int
) -> None:
    config, gate, ready = gated_config(tmp_path)
    out = tmp_path / ".autofix"
    proc = start_autofix("run", "--strategy", "trial", "--config", str(config), "--no-verify")
    wait_for(ready, proc)
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)  # a terminal's Ctrl-C goes to the whole group
    else:
        os.kill(proc.pid, signum)  # `timeout`, `docker stop`, a CI cancel: autofix alone
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == exit_code, stderr
    assert wait_gone(no_orphans) == [], "the sandbox server and the step died with autofix"

    if signum != signal.SIGKILL:
        assert "Traceback" not in stderr
        assert f"resume with: autofix run --resume {out}" in stderr
        summary = read_json(out / "summary.json")
        assert summary["exit_code"] == exit_code
        [step] = summary["steps"]
        assert step["name"] == "deploy" and step["attempts"] == summary["attempts_total"] == 3
        assert step["actions"] == ["sns:CreateTopic", "ssm:PutParameter"]
    interrupted_attempts = len(events_of(out / "ledger.jsonl", AttemptStart))

    # a plain rerun must not overwrite the unfinished run
    refused = run_autofix("run", "--strategy", "trial", "--config", str(config), "--no-verify")
    assert refused.exit_code == 2, refused.output
    assert "--resume" in refused.stderr and "Traceback" not in refused.stderr
    assert (out / "policy.json").is_file()

    gate.touch()
    resumed = run_autofix("run", "--strategy", "trial", "--resume", str(out), timeout=300)
    assert resumed.exit_code == 0, resumed.output[-2000:]
    lines = ledger_lines(out / "ledger.jsonl")
    assert len({line.run for line in lines}) == 1, "the ledger is appended to, as one run"
    events = [line.event for line in lines]
    attempts = [e for e in events if isinstance(e, AttemptStart)]
    resumed_attempts = len(attempts) - interrupted_attempts
    assert resumed_attempts < fresh_run["attempts"]
    assert [e.total for e in attempts] == list(range(1, len(attempts) + 1)), "counting goes on"
    assert actions_of(read_json(out / "policy.json")) == actions_of(fresh_run["policy"])
    summary = read_json(out / "summary.json")
    assert summary["ok"] is True and summary["attempts_total"] == len(attempts)
    assert summary["steps"][0]["actions"] == [
        "sns:CreateTopic",
        "ssm:PutParameter",
        "dynamodb:ListTables",
        "s3:ListAllMyBuckets",
    ]
    # the granted actions were not discovered again
    granted = [e.action for e in events if isinstance(e, GrantAdded)]
    assert len(granted) == len(set(granted))
    shutil.rmtree(out)

"""Live progress read from a ledger as it is written; the memory cap on -j."""

from __future__ import annotations

import io
import os
from pathlib import Path

from autofix.fleet.memory import default_jobs, descendants, estimate, tree_rss_mb
from autofix.fleet.progress import Display, LedgerFollower, Live
from autofix.records.events import AttemptStart, GrantAdded, RunStart, StepStart
from autofix.records.ledger import Ledger


def test_the_follower_reads_what_the_ledger_appends(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    follower = LedgerFollower(path)
    assert follower.poll().describe() == "starting"  # no ledger yet
    ledger = Ledger(path, "r1")
    ledger(RunStart(steps=["deploy"], deployer="d", start_actions=["s3:ListBucket"]))
    ledger(StepStart(step="deploy", index=1, of=2, command="sls deploy"))
    ledger(AttemptStart(step="deploy", attempt=2, total=60))
    assert follower.poll().describe() == "deploy (1/2) · attempt 2 · 1 actions"
    ledger(GrantAdded(step="deploy", attempt=2, action="s3:CreateBucket", resource="*", new=True))
    ledger(GrantAdded(step="deploy", attempt=2, action="s3:CreateBucket", resource="b", new=True))
    ledger.close()
    assert follower.poll().actions == 2
    with path.open("a") as handle:
        handle.write('{"event": "step_start", "step": "rem')  # a line still being written
    assert follower.poll().step == "deploy"


def test_plain_lines_change_per_step_not_per_attempt() -> None:
    stream = io.StringIO()
    display = Display(["api", "web"], stream, plain=True)
    display.update("api", Live("running", "deploy", 1, 2, 1, 0))
    display.refresh()
    display.update("api", Live("running", "deploy", 1, 2, 2, 3))
    display.refresh()
    display.update("api", Live("ok", "deploy", 2, 2, 1, 5))
    display.refresh()
    assert stream.getvalue().splitlines() == [
        "api  deploy (1/2) · attempt 1 · 0 actions",
        "api  ok · 5 actions",
    ]
    assert "\x1b" not in stream.getvalue()


def test_a_terminal_redraws_one_line_per_service() -> None:
    stream = io.StringIO()
    display = Display(["api", "web"], stream, plain=False)
    display.refresh()
    display.refresh()
    assert stream.getvalue().count("\x1b[2F") == 1  # the second draw moved up over the first
    assert stream.getvalue().count("queued") == 4


def test_jobs_are_the_cores_capped_by_memory() -> None:
    assert default_jobs(cores=8, available_mb=16000, per_service_mb=1000)[0] == 8
    jobs, why = default_jobs(cores=8, available_mb=3500, per_service_mb=1000)
    assert jobs == 3 and "3500 MB available" in why
    assert default_jobs(cores=2, available_mb=200, per_service_mb=1000)[0] == 1
    figure = estimate()
    assert figure.per_service_mb > 0 and "bench-fleet" in figure.source


def test_the_tree_of_this_process_is_measured() -> None:
    assert os.getpid() in descendants(os.getppid())
    assert tree_rss_mb(os.getpid()) > 10

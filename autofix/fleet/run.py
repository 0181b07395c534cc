"""Run a fleet's services, each in its own process (its own embedded sandbox), N at a time.

A service that fails never stops the others. On Ctrl-C or SIGTERM every running child gets
SIGTERM, which `autofix run` and `autofix check` handle as Ctrl-C (policy, ledger and summary
kept intact); a child still alive after the grace period is killed with every process below it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autofix.fleet.discover import Service
from autofix.fleet.memory import descendants, process_table, tree_rss_mb
from autofix.fleet.progress import Display, LedgerFollower, Live
from autofix.step import signals

__all__ = ["Finished", "Job", "run_jobs"]

TICK_SECONDS = 0.5
GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class Job:
    """One service's child process: its command line, where its output goes, which ledger
    shows its progress."""

    service: Service
    argv: tuple[str, ...]
    out_dir: Path
    ledger: Path
    stdout: Path
    """The child's stdout (`check --json` writes its result there)."""
    log: Path
    """The child's stderr: its console lines."""


@dataclass(frozen=True)
class Finished:
    """How a job ended: `exit_code` None when it never started (the fleet was stopped)."""

    job: Job
    exit_code: int | None
    seconds: float
    peak_rss_mb: float


@dataclass
class _Running:
    job: Job
    process: subprocess.Popen[bytes]
    started: float
    follower: LedgerFollower
    peak_rss_mb: float = 0.0
    files: list[object] = field(default_factory=list)


def run_jobs(
    jobs: Sequence[Job],
    parallel: int,
    display: Display,
    on_finished: Callable[[Finished], str | None] = lambda _f: None,
    grace_seconds: float = GRACE_SECONDS,
) -> tuple[list[Finished], KeyboardInterrupt | None]:
    """Run every job, `parallel` at a time, in order; returns each job's end (in the jobs'
    order) and the interruption that stopped the fleet, if one did. `on_finished` may return
    the state to show for the job (default: from its exit code)."""
    queue = list(jobs)
    running: list[_Running] = []
    finished: dict[str, Finished] = {}
    stopped: KeyboardInterrupt | None = None
    try:
        while queue or running:
            while queue and len(running) < parallel:
                running.append(_start(queue.pop(0)))
                display.update(running[-1].job.service.name, Live(state="running"))
            time.sleep(TICK_SECONDS)
            table = process_table()
            for item in list(running):
                item.peak_rss_mb = max(item.peak_rss_mb, tree_rss_mb(item.process.pid, table))
                live = item.follower.poll()
                code = item.process.poll()
                if code is None:
                    display.update(item.job.service.name, live)
                    continue
                running.remove(item)
                done = _finish(item, code)
                finished[item.job.service.name] = done
                state = on_finished(done) or _state(code)
                display.update(item.job.service.name, replace_state(live, state))
            display.refresh()
    except KeyboardInterrupt as exc:
        stopped = exc
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop
        signals.disarm()  # the stop is bounded here: `grace_seconds`, then SIGKILL
        display.say(f"stopping {len(running)} running service(s) …")
        for item in running:
            _signal(item.process, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for item in running:
            try:
                code = item.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _kill_tree(descendants(item.process.pid))
                code = item.process.wait()
            done = _finish(item, code)
            finished[item.job.service.name] = done
            on_finished(done)
            display.update(item.job.service.name, replace_state(item.follower.poll(), "stopped"))
        display.refresh()
        signal.signal(signal.SIGINT, signal.default_int_handler)
    results = [finished.get(job.service.name) or Finished(job, None, 0.0, 0.0) for job in jobs]
    return results, stopped


def replace_state(live: Live, state: str) -> Live:
    return Live(state, live.step, live.index, live.of, live.attempt, live.actions, live.phase)


def _state(code: int) -> str:
    return {0: "ok", 130: "stopped", 143: "stopped"}.get(code, f"failed (exit {code})")


def _start(job: Job) -> _Running:
    job.out_dir.mkdir(parents=True, exist_ok=True)
    stdout = job.stdout.open("wb")
    log = job.log.open("wb")
    process = subprocess.Popen(
        job.argv,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=log,
        start_new_session=True,  # Ctrl-C reaches the fleet only; it stops each child itself
    )
    return _Running(job, process, time.monotonic(), LedgerFollower(job.ledger), files=[stdout, log])


def _finish(item: _Running, code: int) -> Finished:
    for handle in item.files:
        handle.close()  # type: ignore[attr-defined]
    return Finished(item.job, code, time.monotonic() - item.started, round(item.peak_rss_mb, 1))


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signum)


def _kill_tree(pids: Sequence[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

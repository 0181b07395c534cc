"""`autofix fleet run|check|report`: the services' jobs run, then one fleet report."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from autofix.errors import AutofixError, ConfigError, ExitCode
from autofix.fleet.discover import Service, discover
from autofix.fleet.pages import render_html, render_markdown
from autofix.fleet.plan import RunChoices, check_job, out_dir_for, run_job
from autofix.fleet.progress import Display, plain_output
from autofix.fleet.report import (
    FLEET_JSON,
    FleetReport,
    find_service_dirs,
    read_service,
    write_service_marks,
)
from autofix.fleet.run import Finished, Job, run_jobs
from autofix.records.files import write_atomic
from autofix.step import signals

__all__ = ["FleetRequest", "fleet_report", "fleet_resume", "fleet_run"]

Echo = Callable[[str], None]


@dataclass(frozen=True)
class FleetRequest:
    """What `autofix fleet run` or `check` was asked."""

    mode: str
    paths: tuple[Path, ...]
    exclude: tuple[str, ...]
    out: Path | None
    jobs: int
    choices: RunChoices
    policy: Path | None = None


def fleet_run(request: FleetRequest, echo: Echo, stream: TextIO | None = None) -> int:
    """Discover the services, run them `jobs` at a time, write the fleet report."""
    services = discover(request.paths, request.exclude)
    if not services:
        raise ConfigError(
            "no services: no autofix.toml (or [tool.autofix]) under " + _shown(request)
        )
    if request.mode == "check" and request.policy is not None and not request.policy.is_file():
        raise ConfigError(f"{request.policy}: no such policy file")
    root = _fleet_dir(request)
    jobs = [_job(request, s) for s in services]
    return _carry_out(request, root, jobs, [], echo, stream or sys.stderr)


def fleet_resume(directory: Path, jobs: int, echo: Echo, stream: TextIO | None = None) -> int:
    """Continue the fleet whose fleet.json is in `directory`: each service not ended ok."""
    saved = _load_fleet(directory)
    invocation = saved.get("machine", {}).get("invocation")
    if not isinstance(invocation, dict):
        raise ConfigError(f"{directory / FLEET_JSON}: not written by `autofix fleet run`")
    cwd = Path(invocation["cwd"])
    request = FleetRequest(
        mode=invocation["mode"],
        paths=tuple(cwd / p for p in invocation["paths"]),
        exclude=tuple(invocation["exclude"]),
        out=Path(invocation["out"]) if invocation["out"] else None,
        jobs=jobs,
        choices=RunChoices(**invocation["choices"]),
        policy=Path(invocation["policy"]) if invocation.get("policy") else None,
    )
    states = {s["name"]: s for s in saved["services"]}
    pending: list[Job] = []
    kept: list[Path] = []
    for service in discover(request.paths, request.exclude):
        before = states.get(service.name)
        out_dir = out_dir_for(service, request.out)
        if before is not None and before["state"] in ("ok", "unverified"):
            kept.append(out_dir)
            continue
        resumable = request.mode == "run" and (out_dir / "run.json").is_file()
        if resumable:
            write_service_marks(out_dir, service)
            pending.append(run_job(service, out_dir, request.choices, resume=True))
        else:
            pending.append(_job(request, service))
    echo(f"resuming: {len(kept)} service(s) done, {len(pending)} to run")
    return _carry_out(request, directory, pending, kept, echo, stream or sys.stderr)


def fleet_report(roots: Sequence[Path], out: Path | None, echo: Echo) -> int:
    """`autofix fleet report DIR...`: the fleet report over output directories (a CI matrix's
    artifacts, or separate runs'); exit 1 when a service failed."""
    dirs = find_service_dirs(roots)
    if not dirs:
        raise ConfigError("no service output directories under " + " ".join(map(str, roots)))
    base = out or (roots[0] if len(roots) == 1 else Path.cwd())
    _service_pages(dirs)
    report = _report(dirs, base)
    for line in _finish(report, base, None):
        echo(line)
    return ExitCode.OK if report.ok else ExitCode.FAILED


def _carry_out(
    request: FleetRequest,
    root: Path,
    jobs: list[Job],
    kept: list[Path],
    echo: Echo,
    stream: TextIO,
) -> int:
    from autofix.fleet.memory import default_jobs

    parallel = request.jobs
    if parallel <= 0:
        parallel, why = default_jobs()
        echo(f"-j {parallel}: {why}")
    for job in jobs:
        write_service_marks(job.out_dir, job.service)
        (job.out_dir / "exit-code").unlink(missing_ok=True)
    all_dirs = sorted({*kept, *(j.out_dir for j in jobs)})
    machine: dict[str, Any] = {"invocation": _invocation(request), "jobs": parallel}
    _report(all_dirs, root, not_started=True).write(root, machine)
    display = Display([j.service.name for j in jobs], stream, plain_output(stream))
    started = time.monotonic()
    peaks: dict[str, float] = {}

    def finished(done: Finished) -> str | None:
        if done.exit_code is not None:
            write_service_marks(done.job.out_dir, done.job.service, done.exit_code)
            peaks[done.job.service.name] = done.peak_rss_mb
            _service_pages([done.job.out_dir])
            _forward_annotations(done.job, echo)
        report = _report(all_dirs, root, not_started=True)
        report.write(root, {**machine, "peak_rss_mb": peaks})
        return next((s.state for s in report.services if s.name == done.job.service.name), None)

    results, stopped = run_jobs(jobs, parallel, display, finished)
    machine.update(
        wall_seconds=round(time.monotonic() - started, 1),
        peak_rss_mb=peaks,
        child_seconds={r.job.service.name: round(r.seconds, 1) for r in results},
    )
    report = _report(all_dirs, root, not_started=True)
    for line in _finish(report, root, machine):
        echo(line)
    if stopped is not None:
        echo(f"stopped: resume with: autofix fleet run --resume {root}")
        return signals.exit_code(stopped)
    return ExitCode.OK if report.ok else ExitCode.FAILED


def _job(request: FleetRequest, service: Service) -> Job:
    out_dir = out_dir_for(service, request.out)
    if request.mode == "check":
        return check_job(service, out_dir, request.policy)
    return run_job(service, out_dir, request.choices)


def _fleet_dir(request: FleetRequest) -> Path:
    """Where fleet.json goes: --out, else the first path's `.autofix/`."""
    if request.out is not None:
        return request.out
    first = request.paths[0]
    return (first if first.is_dir() else first.parent) / ".autofix"


def _report(dirs: Sequence[Path], base: Path, not_started: bool = False) -> FleetReport:
    services = tuple(read_service(d, base, not_started=not_started) for d in dirs)
    modes = {s.mode for s in services}
    return FleetReport(services, "check" if modes == {"check"} else "run")


def _finish(report: FleetReport, root: Path, machine: dict[str, Any] | None) -> list[str]:
    """fleet.json, fleet.md, fleet.html and, on GitHub Actions, the Step Summary."""
    root.mkdir(parents=True, exist_ok=True)
    report.write(root, machine)
    markdown = render_markdown(report, root)
    write_atomic(root / "fleet.md", markdown)
    write_atomic(root / "fleet.html", render_html(report, root))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown)
    width = max((len(s.name) for s in report.services), default=0)
    lines = [f"{s.name.ljust(width)}  {s.state}" for s in report.services]
    ok = sum(s.ok for s in report.services)
    lines.append(f"{ok} of {len(report.services)} services ok")
    lines += [f"  {name}  {root / name}" for name in (FLEET_JSON, "fleet.md", "fleet.html")]
    return lines


def _service_pages(dirs: Sequence[Path]) -> None:
    """Each run's own report.md and report.html (linked from the fleet page)."""
    from autofix.report.write import write_reports

    for directory in dirs:
        if (directory / "ledger.jsonl").is_file() and (directory / "summary.json").is_file():
            try:
                write_reports(directory, None, None)
            except (AutofixError, OSError, ValueError, KeyError):
                continue  # the fleet page links the summary instead


def _forward_annotations(job: Job, echo: Echo) -> None:
    """On GitHub Actions, a check's `::error` annotations (the child wrote them to its log)."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    try:
        text = job.log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for line in text.splitlines():
        if line.startswith("::error "):
            echo(line)


def _invocation(request: FleetRequest) -> dict[str, Any]:
    return {
        "mode": request.mode,
        "cwd": str(Path.cwd()),
        "paths": [str(p) for p in request.paths],
        "exclude": list(request.exclude),
        "out": str(request.out.resolve()) if request.out else None,
        "choices": asdict(request.choices),
        "policy": str(request.policy.resolve()) if request.policy else None,
    }


def _load_fleet(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / FLEET_JSON).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{directory}: no {FLEET_JSON} to resume") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{directory / FLEET_JSON}: cannot read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        raise ConfigError(f"{directory / FLEET_JSON}: not a fleet report")
    return data


def _shown(request: FleetRequest) -> str:
    return " ".join(str(p) for p in request.paths)

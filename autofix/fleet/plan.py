"""Each service's job: the `autofix run` or `autofix check` command line, where its output
goes (`--out DIR/<service>/`, or the config's own `.autofix/`), and the files it starts with."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autofix.fleet.discover import Service
from autofix.fleet.report import CHECK_JSON, SAVED_POLICY
from autofix.fleet.run import Job
from autofix.records.out_dir import mark

__all__ = ["RunChoices", "check_job", "out_dir_for", "run_job", "saved_policy_of"]

CHECKED_POLICY = "policy-checked.json"


@dataclass(frozen=True)
class RunChoices:
    """The `autofix run` options every service of the fleet gets."""

    strategy: str | None = None
    verify: bool = True
    strict: bool = False
    max_attempts: int | None = None


def out_dir_for(service: Service, out: Path | None) -> Path:
    return out / service.name if out is not None else service.directory.resolve() / ".autofix"


def saved_policy_of(service: Service) -> Path:
    """A service's saved policy: the `policy.json` of its config's own `.autofix/`."""
    return service.directory.resolve() / ".autofix" / "policy.json"


def _autofix() -> list[str]:
    return [sys.executable, "-m", "autofix"]


def run_job(service: Service, out_dir: Path, choices: RunChoices, resume: bool = False) -> Job:
    """`autofix run` for one service; its saved policy is kept as `saved-policy.json` first
    (fleet.json counts the actions it lacked), unless the run continues an earlier one."""
    argv = [*_autofix(), "run"]
    if resume:
        argv += ["--resume", str(out_dir)]
    else:
        argv += ["--config", str(service.config), "--out", str(out_dir)]
        if choices.strategy:
            argv += ["--strategy", choices.strategy]
        if not choices.verify:
            argv.append("--no-verify")
        if choices.strict:
            argv.append("--strict")
        if choices.max_attempts:
            argv += ["--max-attempts", str(choices.max_attempts)]
        out_dir.mkdir(parents=True, exist_ok=True)
        mark(out_dir)  # autofix's own: the run may write beside the saved policy
        saved = saved_policy_of(service)
        (out_dir / SAVED_POLICY).unlink(missing_ok=True)
        if saved.is_file():
            shutil.copyfile(saved, out_dir / SAVED_POLICY)
    return Job(
        service,
        tuple(argv),
        out_dir,
        ledger=out_dir / "ledger.jsonl",
        stdout=out_dir / "autofix.out",
        log=out_dir / "autofix.log",
    )


def check_job(service: Service, out_dir: Path, policy: Path | None) -> Job:
    """`autofix check --json` for one service, replaying `policy` (default: its saved one)."""
    replayed = policy.resolve() if policy is not None else saved_policy_of(service)
    out_dir.mkdir(parents=True, exist_ok=True)
    mark(out_dir)
    (out_dir / CHECKED_POLICY).unlink(missing_ok=True)
    if replayed.is_file():
        shutil.copyfile(replayed, out_dir / CHECKED_POLICY)
    argv = [
        *_autofix(),
        "check",
        "--config",
        str(service.config),
        "--policy",
        str(replayed),
        "--out",
        str(out_dir),
        "--json",
    ]
    return Job(
        service,
        tuple(argv),
        out_dir,
        ledger=out_dir / "check-ledger.jsonl",
        stdout=out_dir / CHECK_JSON,
        log=out_dir / "autofix.log",
    )


def unfinished(names: Sequence[str], states: dict[str, str]) -> list[str]:
    """The services a resumed fleet runs again: every one not ended ok."""
    return [n for n in names if states.get(n) not in ("ok", "unverified")]

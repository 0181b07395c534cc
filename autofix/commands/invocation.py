"""What `autofix run` was asked: its options, merged with a resumed run's saved ones.

A run saves its invocation (`run.json`) so that `autofix run --resume DIR` runs the same
steps with the same options; an option given again on the command line wins.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autofix.commands.run import RunOptions, with_out_dir
from autofix.config import Config
from autofix.config.find import config_for
from autofix.errors import ConfigError
from autofix.records import resume

__all__ = ["RunRequest", "resolve"]


@dataclass(frozen=True)
class RunRequest:
    """`autofix run`'s arguments, as given."""

    config_path: Path | None
    out: Path | None
    force: bool
    start_policy: Path | None
    max_attempts: int | None
    scope: str | None
    region: str | None
    allow_self_edit: bool
    trust_output: bool
    portable: str | None
    verify: bool
    strategy: str
    resume_dir: Path | None
    strict: bool
    strict_bounds: bool
    verbose: bool
    command: tuple[str, ...]


def resolve(request: RunRequest) -> tuple[Config, RunOptions]:
    """The configuration and options to run: a resumed run's saved ones where not given."""
    config_path, command, region = request.config_path, request.command, request.region
    out = request.out
    saved: dict[str, Any] = {}
    if request.resume_dir is not None:
        if out is not None and out != request.resume_dir:
            raise ConfigError("--resume DIR is the output directory: pass --out only with it")
        if request.start_policy is not None:
            raise ConfigError("--resume continues from the saved policy: drop --from")
        out = request.resume_dir
        saved = resume.load_invocation(request.resume_dir)
        if config_path is None and not command:
            config_path = Path(saved["config"]) if saved.get("config") else None
            command = tuple(saved.get("command") or ())
            region = region or saved.get("region")
            if saved.get("cwd") and command:
                os.chdir(saved["cwd"])
    options = saved.get("options", {})
    config = config_for(config_path, command, region)
    resuming = request.resume_dir is not None
    chosen: dict[str, Any] = {
        "max_attempts": request.max_attempts or options.get("max_attempts"),
        "scope": request.scope or options.get("scope"),
        "allow_self_edit": request.allow_self_edit or bool(options.get("allow_self_edit")),
        "trust_output": request.trust_output or bool(options.get("trust_output")),
        "portable": request.portable or options.get("portable"),
        "verify": bool(options.get("verify", request.verify)) if resuming else request.verify,
        "strict": request.strict or bool(options.get("strict")),
        "strict_bounds": request.strict_bounds or bool(options.get("strict_bounds")),
        "strategy": options.get("strategy", request.strategy) if resuming else request.strategy,
    }
    invocation: dict[str, Any] = {
        "config": str(config.source.resolve()) if config.source else None,
        "command": list(command),
        "cwd": str(Path.cwd()),
        "region": region,
        "options": chosen,
    }
    run_options = RunOptions(
        Path("."),
        chosen["max_attempts"],
        chosen["scope"],
        request.start_policy,
        request.verbose,
        chosen["allow_self_edit"],
        chosen["portable"],
        chosen["verify"],
        chosen["strategy"],
        resume=resuming,
        invocation=invocation,
        strict=chosen["strict"],
        strict_bounds=chosen["strict_bounds"],
        trust_output=chosen["trust_output"],
        force=request.force,
    )
    return config, with_out_dir(run_options, config, out)

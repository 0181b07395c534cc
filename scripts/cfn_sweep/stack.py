"""One stack of the sweep: its files, its three steps, and `autofix run` over them.

The steps are what a user of `aws cloudformation deploy` runs: deploy the template,
deploy the updated template to the same stack, delete the stack and wait for it. The
run starts from an empty policy with autofix's defaults (strategy predict, verify on);
the explicit update step stands for the update rehearsal, which is turned off.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.cfn_sweep import guard_allow
from scripts.cfn_sweep.template import Templates

AWS = shlex.quote(str(Path(sys.executable).with_name("aws")))
"""The AWS CLI installed beside this Python, run as a user runs it (`aws ...`)."""
_DEPLOY_FLAGS = (
    "--capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND"
    " --no-fail-on-empty-changeset"
)
STEP_TIMEOUT = 300
RUN_MINUTES = 20
"""A converging stack of twelve takes 69 s on a quiet machine, 6 minutes at a load of 20 on
two cores (measured): the limits are for a loaded machine, a timeout is never a finding."""
RUN_TIMEOUT = RUN_MINUTES * 60 + 120


def deploy_command(stack: str, template: str) -> str:
    return (
        f"{AWS} cloudformation deploy --stack-name {stack}"
        f" --template-file {template} {_DEPLOY_FLAGS}"
    )


def delete_command(stack: str) -> str:
    return (
        f"{AWS} cloudformation delete-stack --stack-name {stack}"
        f" && {AWS} cloudformation wait stack-delete-complete --stack-name {stack}"
    )


def write(directory: Path, templates: Templates, stack: str) -> Path:
    """The stack's templates and autofix.toml in `directory`; the config's path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "deploy.json").write_text(json.dumps(templates.deploy, indent=1))
    (directory / "update.json").write_text(json.dumps(templates.update, indent=1))
    steps = (
        ("deploy", deploy_command(stack, "deploy.json"), False),
        ("update", deploy_command(stack, "update.json"), False),
        ("delete", delete_command(stack), None),
    )
    lines = [f"[loop]\nmax_minutes = {RUN_MINUTES}\n"]
    allow = guard_allow.for_types(types_of(templates))
    if allow:  # a type that exists for an organization: its user allows those calls
        lines.append(f"[guard]\nallow = {json.dumps(allow)}\n")
    for name, command, rehearse in steps:
        lines.append("[[steps]]")
        lines.append(f"name = {json.dumps(name)}")
        lines.append(f"run = {json.dumps(command)}")
        lines.append(f"timeout = {STEP_TIMEOUT}")
        if rehearse is False:
            lines.append("rehearse = false")
        lines.append("")
    config = directory / "autofix.toml"
    config.write_text("\n".join(lines))
    return config


def types_of(templates: Templates) -> list[str]:
    """Every resource type of the stack, swept or helper."""
    return sorted({str(r.get("Type")) for r in templates.deploy["Resources"].values()})


@dataclass(frozen=True)
class RunFiles:
    """What one `autofix run` left: its exit code, output and files."""

    exit_code: int
    seconds: float
    output: str
    summary: dict[str, Any]
    ledger: tuple[dict[str, Any], ...]
    policy: dict[str, Any]


def run_autofix(config: Path, timeout: float = RUN_TIMEOUT) -> RunFiles:
    """`python -m autofix run --config CONFIG` as a user runs it (no AWS_* of ours leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "autofix", "run", "--config", str(config)],
            cwd=config.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        code, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        code, output = -1, f"timed out after {timeout:.0f}s: {partial}"
    seconds = time.monotonic() - started
    out = config.parent / ".autofix"
    return RunFiles(
        exit_code=code,
        seconds=round(seconds, 1),
        output=output if isinstance(output, str) else str(output),
        summary=_json(out / "summary.json"),
        ledger=tuple(read_lines(out / "ledger.jsonl")),
        policy=_json(out / "policy.json"),
    )


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_lines(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue  # a torn last line
        if isinstance(item, dict):
            found.append(item)
    return found

"""The same three steps as the sandbox's administrator: can the sandbox run them at all?

A template the administrator cannot deploy, update or delete fails for a reason no
grant can fix (the template, or the sandbox's model of the type). The check names the
resources whose events failed, so a shared stack's failure is pinned on its types.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import boto3

from scripts.cfn_sweep import autofix_api
from scripts.cfn_sweep.stack import STEP_TIMEOUT, delete_command, deploy_command

_FAILED = ("CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED")


@dataclass(frozen=True)
class Failure:
    """A resource event that failed, in the step where it did."""

    step: str
    logical_id: str
    status: str
    reason: str


@dataclass(frozen=True)
class AdminCheck:
    ok: bool
    failures: tuple[Failure, ...]
    output: str  # the failing step's last lines, when no resource event says why


def check(directory: Path, stack: str) -> AdminCheck:
    """Run deploy, update and delete of the templates in `directory` as administrator."""
    steps = (
        ("deploy", deploy_command(stack, "deploy.json")),
        ("update", deploy_command(stack, "update.json")),
        ("delete", delete_command(stack)),
    )
    with autofix_api.admin_sandbox(directory / ".admin") as admin_env:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | admin_env
        for step, command in steps:
            try:
                proc = subprocess.run(
                    ["bash", "-c", command],
                    cwd=directory,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=STEP_TIMEOUT,
                    stdin=subprocess.DEVNULL,
                )
                code, output = proc.returncode, proc.stdout + proc.stderr
            except subprocess.TimeoutExpired:
                code, output = -1, f"{step} timed out after {STEP_TIMEOUT}s"
            if code != 0:
                failures = _failed_events(env, stack, step)
                tail = "\n".join(output.strip().splitlines()[-3:])
                return AdminCheck(False, failures, tail)
    return AdminCheck(True, (), "")


def _failed_events(env: dict[str, str], stack: str, step: str) -> tuple[Failure, ...]:
    client = boto3.client(
        "cloudformation",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    try:
        events = client.describe_stack_events(StackName=stack)["StackEvents"]
    except Exception:  # the stack is gone, or never came to be
        return ()
    found: dict[str, Failure] = {}
    for event in reversed(events):  # oldest first: the first failure of each resource
        status = str(event.get("ResourceStatus", ""))
        lid = str(event.get("LogicalResourceId", ""))
        if status in _FAILED and lid != stack and lid not in found:
            reason = str(event.get("ResourceStatusReason") or "")
            found[lid] = Failure(step, lid, status, reason)
    return tuple(found.values())

"""Before a step runs: which tool it calls, what that tool will deploy, which profile fits.

Each CloudFormation tool has its own reader (Serverless: `sls package`; SAM: the template
expanded offline; CDK: `cdk synth` into a temporary directory; the AWS CLI: the
`--template-file` it names). The tool's profile is named after its family and the major
version the step's environment installs (`osls-4`, `sam-1`, `cdk-2`, `awscli-1`).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from autofix.config import Step
from autofix.predict import cdk, cfn_cli, sam, serverless
from autofix.predict.command_line import ToolCommand
from autofix.predict.packaged import Packaged, Run
from autofix.step.runner import StepResult, run_step, step_environment

_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class Tool:
    """The deploy tool a step calls: its family (a profile's prefix), verb and command."""

    family: str
    verb: str
    command: ToolCommand | None = None
    """None for Serverless (its version is read from node_modules)."""


def tool_of(step_run: str) -> Tool | None:
    """The deploy tool in a step's command line, or None."""
    command = serverless.parse_command(step_run)
    if command is not None:
        return Tool("serverless", command.verb)
    for family, parse in (("sam", sam.parse_command), ("cdk", cdk.parse_command)):
        found = parse(step_run)
        if found is not None:
            return Tool(family, found.verb, found)
    aws = cfn_cli.parse_command(step_run)
    if aws is not None:
        return Tool("awscli", aws.verb, aws)
    return None


def prepare(step: Step, run: Run, account_id: str) -> list[Packaged]:
    """The stacks `step` will deploy or delete, each with its template; [] when unknown."""
    tool = tool_of(step.run)
    if tool is None:
        return []
    if tool.family == "serverless":
        packaged = serverless.package(step, run)
    elif tool.family == "sam":
        packaged = sam.package(step, account_id)
    elif tool.family == "cdk":
        return cdk.package(step, run)
    else:
        return cfn_cli.packages(step)
    return [packaged] if packaged is not None else []


def stack_names(step: Step) -> tuple[str, ...]:
    """The stacks a step names, read without running anything (a Serverless service's
    stack is named by its service and stage: not listed)."""
    tool = tool_of(step.run)
    if tool is None or tool.family == "serverless":
        return ()
    if tool.family == "sam":
        name = sam.stack_name(step)
    elif tool.family == "cdk":
        return tuple(cdk.assembled_stacks(step))
    else:
        name = tool.command.value("--stack-name") if tool.command else None
    return (name,) if name else ()


def passed_roles(step: Step) -> tuple[str, ...]:
    """The service roles a step's command line passes to CloudFormation (`--role-arn`,
    samconfig's `role_arn`), read without running anything."""
    tool = tool_of(step.run)
    if tool is None or tool.command is None:
        return ()
    if tool.family == "sam":
        role = sam.role_arn(step)
    else:
        role = tool.command.value("--role-arn", *(("-r",) if tool.family == "cdk" else ()))
    return (role,) if role else ()


def run_without_credentials(step: Step, environ: Mapping[str, str] | None = None) -> StepResult:
    """Run `step` as it would run (its directory, env, node_modules/.bin first), with no
    credentials at all: for `--version` and the like."""
    return run_step(step, step_environment(os.environ if environ is None else environ, {}, step))


def _installed(step: Step, run: Run) -> tuple[str, str] | None:
    """(name, version) of the tool the step calls, as its environment installs it: the
    name is its family's, or the Serverless Framework's package (`osls`, `serverless`)."""
    tool = tool_of(step.run)
    if tool is None:
        return None
    if tool.family == "serverless":
        return serverless.framework_version(Path(step.cwd))
    assert tool.command is not None
    words = [*tool.command.prefix, tool.command.executable, "--version"]
    version = _version(run, replace(step, run=tool.command.lead + shlex.join(words)))
    if version is None and tool.command.lead.strip():
        # the text before the tool's command is a script (`set -e`, a call that needs the
        # credentials the probe has not): the tool's own version, as the step's PATH has it
        version = _version(run, replace(step, run=shlex.join(words)))
    return (tool.family, version) if version else None


def _version(run: Run, probe: Step) -> str | None:
    result = run(probe)
    match = _VERSION.search(f"{result.stdout}\n{result.stderr}") if result.ok else None
    return ".".join(match.groups()) if match else None


def installed_version(step: Step, run: Run) -> str | None:
    """The version (`1.170.0`) of the tool the step calls, as its environment installs it."""
    found = _installed(step, run)
    return found[1] if found else None


def profile_name(step: Step, run: Run) -> str | None:
    """The bundled profile that fits the step's tool: `<family>-<major version>`."""
    found = _installed(step, run)
    return f"{found[0]}-{found[1].split('.', 1)[0]}" if found else None

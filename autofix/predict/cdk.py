"""What a CDK step will deploy: every stack of the app's cloud assembly, before it runs.

`cdk deploy` synthesises the app again: here `cdk synth` writes the assembly into a
temporary directory (`--output`), so the user's `cdk.out` stays untouched; `--app` and
context options are shared with the step. A step whose `--app` is an assembly directory
already (`cdk destroy --app cdk.out`) is read as it is. Each stack's template comes with
the role CloudFormation acts as (the bootstrap's execution role): its resources' demands
are that role's, not the deployer's. Named stacks select among the app's; none: all.
"""

from __future__ import annotations

import fnmatch
import shlex
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from autofix.config import Step
from autofix.predict.command_line import ToolCommand, find
from autofix.predict.nested_stacks import nested_name, nested_resources
from autofix.predict.packaged import Packaged, Run
from autofix.records.files import read_json_object

TOOLS = frozenset({"cdk"})
VERBS = {"deploy": False, "destroy": True}
"""Verb -> whether it deletes the stacks."""
SHARED_OPTIONS = ("--app", "-a", "--context", "-c")
"""Options `cdk synth` must share with the step (the app, its context)."""
STACK_ARTIFACT = "aws:cloudformation:stack"
VALUE_OPTIONS = frozenset(
    {
        "--app",
        "-a",
        "--context",
        "-c",
        "--require-approval",
        "--output",
        "-o",
        "--profile",
        "--role-arn",
        "-r",
        "--toolkit-stack-name",
        "--parameters",
        "--outputs-file",
        "-O",
        "--exclusively",
        "--method",
        "-m",
        "--change-set-name",
        "--concurrency",
        "--progress",
        "--build-exclude",
        "-E",
        "--notification-arns",
        "--tags",
        "-t",
        "--hotswap-fallback",
        "--asset-parallelism",
        "--asset-prebuild",
        "--region",
        "--plugin",
        "-p",
    }
)
"""Options that take a value (`cdk deploy --help`): their values are not stack names."""


def parse_command(run: str) -> ToolCommand | None:
    """The `cdk deploy` or `cdk destroy` in `run`, or None."""
    return find(run, TOOLS, VERBS)


def package(step: Step, run: Run) -> list[Packaged]:
    """The stacks the step deploys or destroys; [] when the app cannot be synthesised."""
    command = parse_command(step.run)
    if command is None:
        return []
    app = command.value("--app", "-a")
    given = Path(step.cwd) / app if app else None
    if given is not None and (given / "manifest.json").is_file():
        return _stacks(command, given)
    with tempfile.TemporaryDirectory(prefix="autofix-synth-") as tmp:
        out = Path(tmp) / "cdk.out"
        result = run(replace(step, run=_synth(command, out)))
        if not result.ok or not (out / "manifest.json").is_file():
            return []
        return _stacks(command, out)


def assembled_stacks(step: Step) -> list[str]:
    """The stacks of the assembly the step's directory holds (its `--app` directory or the
    `cdk.out` a deploy wrote), without synthesising anything."""
    command = parse_command(step.run)
    if command is None:
        return []
    app = command.value("--app", "-a")
    for assembly in [Path(step.cwd) / app] if app else [Path(step.cwd) / "cdk.out"]:
        if (assembly / "manifest.json").is_file():
            return [p.stack for p in _stacks(command, assembly)]
    return []


def _synth(command: ToolCommand, out: Path) -> str:
    """The `cdk synth` writing what `command` deploys into `out`."""
    shared: list[str] = []
    for name in SHARED_OPTIONS:
        for value in _all_values(command, name):
            shared += [name, value]
    words = [*command.prefix, command.executable, "synth", *shared, "--output", str(out), "--quiet"]
    return command.lead + shlex.join(words)


def _all_values(command: ToolCommand, name: str) -> list[str]:
    rest = command.rest
    found = []
    for i, word in enumerate(rest):
        option, eq, value = word.partition("=")
        if option == name:
            if eq:
                found.append(value)
            elif i + 1 < len(rest):
                found.append(rest[i + 1])
    return found


def _selected(command: ToolCommand) -> list[str]:
    """The stack patterns named on the command line (none: every stack)."""
    names = []
    skip = False
    for word in command.rest:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = "=" not in word and word in VALUE_OPTIONS
        else:
            names.append(word)
    return names


def _stacks(command: ToolCommand, assembly: Path) -> list[Packaged]:
    manifest = read_json_object(assembly / "manifest.json")
    if manifest is None:
        return []
    patterns = [] if command.has("--all") else _selected(command)
    found = []
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        if not isinstance(artifact, dict) or artifact.get("type") != STACK_ARTIFACT:
            continue
        props = artifact.get("properties") or {}
        stack = str(props.get("stackName") or artifact_id)
        if patterns and not any(
            fnmatch.fnmatch(n, p) for p in patterns for n in (stack, artifact_id)
        ):
            continue
        template = read_json_object(assembly / str(props.get("templateFile", "")))
        if template is None:
            continue
        region = _region(str(artifact.get("environment") or ""))
        role = props.get("cloudFormationExecutionRoleArn")
        for name, body in [(stack, template), *_nested(assembly, stack, template)]:
            found.append(
                Packaged.stack_of(
                    "cdk",
                    command.verb,
                    body,
                    name,
                    region,
                    VERBS[command.verb],
                    role=str(role) if role else None,
                )
            )
    return found


ASSET_PATH = "aws:asset:path"
"""A NestedStack's metadata: its template's file in the assembly (`*.nested.template.json`)."""


def _nested(assembly: Path, stack: str, template: dict[str, Any]) -> list[tuple[str, Any]]:
    """The nested stacks of `template` (CDK's NestedStack), each as the name CloudFormation
    gives it, its random tail `*` (`{stack}-{logical}-*`, name_rules), and its template; a
    nested stack is created with its parent's service role, so its demands are that role's
    too. Nested in turn: read as well."""
    found: list[tuple[str, Any]] = []
    for logical_id, body in nested_resources(template):
        path = (body.get("Metadata") or {}).get(ASSET_PATH)
        nested = read_json_object(assembly / str(path)) if isinstance(path, str) else None
        if nested is None:
            continue
        name = nested_name(stack, logical_id)
        found += [(name, nested), *_nested(assembly, name, nested)]
    return found


def _region(environment: str) -> str | None:
    """`aws://ACCOUNT/REGION`'s region, None when the app left it to the deploy."""
    region = environment.rsplit("/", 1)[-1] if environment.startswith("aws://") else ""
    return None if not region or region.startswith("unknown") else region

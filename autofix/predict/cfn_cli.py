"""What an AWS CLI CloudFormation step will deploy: the template file it names.

`aws cloudformation deploy --template-file`, `create-stack`/`update-stack`/`create-change-set`
with `--template-body file://...`, and `delete-stack` (its stack's deployed template is read
by the predictor). A template that an `aws cloudformation package` of the same step writes
(`--output-template-file`) does not exist yet, or is the last run's: its source
(`package --template-file`) is read, the template the step deploys once its local artifacts
are uploaded (the AWS CLI's `package` rewrites only their locations). Parameter overrides
are applied; a SAM template is expanded as `sam` would. Nothing runs and no AWS call is made.
"""

from __future__ import annotations

import os
from pathlib import Path

from autofix.account.stack_names import parse_template
from autofix.config import Step
from autofix.predict import sam
from autofix.predict.command_line import ToolCommand, find
from autofix.predict.nested_stacks import nested
from autofix.predict.packaged import Packaged, transforms_of
from autofix.sandbox.cloudformation.sam_translator import TransformFailed

TOOLS = frozenset({"aws"})
VERBS = {
    "deploy": False,
    "create-stack": False,
    "update-stack": False,
    "create-change-set": False,
    "delete-stack": True,
}
"""Verb -> whether it deletes the stack."""


def parse_command(run: str) -> ToolCommand | None:
    """The `aws cloudformation <verb>` in `run` that deploys or deletes a stack, or None."""
    return find(run, TOOLS, VERBS, group="cloudformation")


def package(step: Step, account_id: str = sam.DEFAULT_ACCOUNT) -> Packaged | None:
    """The stack the step deploys or deletes; None when it cannot be read ahead."""
    command = parse_command(step.run)
    if command is None:
        return None
    stack = command.value("--stack-name")
    if not stack:
        return None
    region = command.value("--region")
    role = command.value("--role-arn")
    removes = VERBS[command.verb]
    if removes:
        return Packaged.stack_of(
            "awscli", command.verb, {}, stack, region, True, role=role, passes_role=bool(role)
        )
    path = _template_path(command, Path(step.cwd), step.run)
    template = parse_template(_read(path)) if path is not None else None
    if template is None:
        return None
    overrides = _overrides(command)
    transforms = transforms_of(template)
    try:
        template = sam.expand(
            template,
            path.parent if path else Path(step.cwd),
            overrides,
            "*",
            "",
            region,
            account_id,
        )
    except TransformFailed:
        return None
    return Packaged.stack_of(
        "awscli",
        command.verb,
        template,
        stack,
        region,
        False,
        role=role,
        passes_role=bool(role),
        transforms=transforms,
    )


def packages(step: Step, account_id: str = sam.DEFAULT_ACCOUNT) -> list[Packaged]:
    """The stack the step deploys or deletes, then the nested stacks of its template whose
    templates are files beside it (`package` uploads them); [] when it cannot be read."""
    packaged = package(step, account_id)
    if packaged is None:
        return []
    command = parse_command(step.run)
    path = _template_path(command, Path(step.cwd), step.run) if command else None
    return [packaged, *(nested(packaged, path) if path is not None else [])]


def _template_path(command: ToolCommand, cwd: Path, run: str = "") -> Path | None:
    given = command.value("--template-file")
    if given:
        return _packaged_source(run, cwd, cwd / given) or cwd / given
    body = command.value("--template-body") or ""
    if body.startswith("file://"):
        return cwd / body.removeprefix("file://")
    return None  # an inline body or a --template-url: not read ahead


def _packaged_source(run: str, cwd: Path, deployed: Path) -> Path | None:
    """The `--template-file` of the `aws cloudformation package` in `run` whose
    `--output-template-file` is `deployed`, or None."""
    package = find(run, TOOLS, ("package",), group="cloudformation")
    if package is None:
        return None
    output, source = package.value("--output-template-file"), package.value("--template-file")
    if not output or not source or os.path.normpath(cwd / output) != os.path.normpath(deployed):
        return None
    return cwd / source


def _overrides(command: ToolCommand) -> dict[str, str]:
    """`deploy --parameter-overrides K=V`, or `--parameters ParameterKey=K,ParameterValue=V`."""
    found: dict[str, str] = {}
    for word in command.values("--parameter-overrides") or []:
        if "=" in word:
            key, value = word.split("=", 1)
            found[key] = value
    for word in command.values("--parameters") or []:
        fields = dict(f.split("=", 1) for f in word.split(",") if "=" in f)
        if "ParameterKey" in fields and "ParameterValue" in fields:
            found[fields["ParameterKey"]] = fields["ParameterValue"]
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None

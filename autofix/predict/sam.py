"""What a SAM CLI step will deploy: its template expanded offline by the pinned translator.

`sam deploy`, `sam sync` (an infrastructure sync deploys a stack) and `sam delete` read their
stack name, region, template and parameter overrides from the command line and the project's
samconfig file (`--config-file`, `--config-env`). The template (`sam build`'s output when it
exists, as `sam deploy` picks it) is expanded by the same aws-sam-translator the sandbox runs,
with the overrides applied; files it names beside it (`CodeUri: src/`), which `sam deploy`
uploads first, stand for objects in the deployment bucket (`--s3-bucket`, or a generated one:
`*`). Nothing runs, no AWS call is made, the user's files are only read.
"""

from __future__ import annotations

import copy
import shlex
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from autofix.account.stack_names import parse_template
from autofix.config import Step
from autofix.policy.name_rules import name_rule
from autofix.predict.command_line import ToolCommand, find
from autofix.predict.packaged import Packaged, transforms_of
from autofix.sandbox.cloudformation.sam_translator import (
    TransformFailed,
    declares_serverless,
    translate,
)

TOOLS = frozenset({"sam"})
VERBS = {"deploy": False, "sync": False, "delete": True}
"""Verb -> whether it deletes the stack."""
CONFIG_FILES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")
TEMPLATES = (".aws-sam/build/template.yaml", "template.yaml", "template.yml", "template.json")
SECTIONS = {"delete": ("deploy", "delete")}
"""samconfig sections a verb reads beyond `global` (`sam delete` takes the deployed stack's
name and region from the deploy section: samcli/commands/delete/delete_context.py)."""
UNKNOWN_BUCKET = "*"
MANAGED_BUCKET = ("aws-sam-cli-managed-default", "SamCliSourceBucket")
"""The stack and logical id of the bucket `--resolve-s3` deploys through
(samcli/lib/bootstrap/bootstrap.py: SAM_CLI_STACK_NAME, its `SamCliSourceBucket`): its name
is the one CloudFormation generates for it."""
DEFAULT_ACCOUNT = "123456789012"


def parse_command(run: str) -> ToolCommand | None:
    """The SAM command in `run` that deploys or deletes a stack, or None."""
    command = find(run, TOOLS, VERBS)
    if command is None:
        return None
    if command.verb == "sync" and command.has("--watch", "--code"):
        return None  # a code-only or watching sync updates functions, not the stack
    return command


def stack_name(step: Step) -> str | None:
    """The stack a SAM step deploys or deletes (read from its command and samconfig)."""
    command = parse_command(step.run)
    if command is None:
        return None
    settings = _settings(command, Path(step.cwd))
    return command.value("--stack-name") or _text(settings.get("stack_name")) or None


def role_arn(step: Step) -> str | None:
    """The service role a SAM step passes to CloudFormation (`--role-arn`, samconfig's
    `role_arn`), None: CloudFormation acts as the caller."""
    command = parse_command(step.run)
    if command is None:
        return None
    settings = _settings(command, Path(step.cwd))
    return command.value("--role-arn") or _text(settings.get("role_arn")) or None


def package(step: Step, account_id: str = DEFAULT_ACCOUNT) -> Packaged | None:
    """The stack a SAM step deploys or deletes; None when it is not one or cannot be read."""
    command = parse_command(step.run)
    if command is None:
        return None
    cwd = Path(step.cwd)
    settings = _settings(command, cwd)
    stack = command.value("--stack-name") or _text(settings.get("stack_name"))
    if not stack:
        return None
    region = command.value("--region") or _text(settings.get("region")) or None
    path = _template_path(command, settings, cwd)
    source = parse_template(_read(path)) if path is not None else None
    if source is None:
        return None
    overrides = _overrides(command.values("--parameter-overrides"), settings)
    bucket = (
        command.value("--s3-bucket")
        or _text(settings.get("s3_bucket"))
        or _managed(command, settings)
    )
    prefix = command.value("--s3-prefix") or _text(settings.get("s3_prefix")) or ""
    role = role_arn(step)
    try:
        template = expand(
            source, path.parent if path else cwd, overrides, bucket, prefix, region, account_id
        )
    except TransformFailed:
        return None  # the deploy's own change set will fail the same way: trial shows it
    return Packaged.stack_of(
        "sam",
        command.verb,
        template,
        stack,
        region,
        VERBS[command.verb],
        role=role,
        passes_role=bool(role),
        transforms=transforms_of(source),
    )


def _managed(command: ToolCommand, settings: Mapping[str, Any]) -> str:
    """With `--resolve-s3`, the managed bucket's generated name, its random part as `*`."""
    rule = name_rule("AWS::S3::Bucket")
    if rule is None or not (command.has("--resolve-s3") or settings.get("resolve_s3") is True):
        return UNKNOWN_BUCKET
    return rule.pattern(*MANAGED_BUCKET)


def expand(
    source: Mapping[str, Any],
    base: Path,
    overrides: Mapping[str, str],
    bucket: str,
    prefix: str,
    region: str | None,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """`source` as CloudFormation will hold it: local artifacts as uploaded objects, the
    SAM transform expanded, each overridden parameter's value as its default."""
    template = copy.deepcopy(dict(source))
    key = f"{prefix}/*" if prefix else "*"
    for body in (template.get("Resources") or {}).values():
        if isinstance(body, dict) and isinstance(body.get("Properties"), dict):
            _upload_local(body["Properties"], base, f"s3://{bucket}/{key}")
    for section in (template.get("Globals") or {}).values():  # `Globals: Function: CodeUri:`
        if isinstance(section, dict):
            _upload_local(section, base, f"s3://{bucket}/{key}")
    params = {k: str(v) for k, v in overrides.items()}
    if declares_serverless(template):
        template = translate(template, params, account_id, region or "us-east-1")
    declared = template.get("Parameters")
    for name, value in params.items():
        if isinstance(declared, dict) and isinstance(declared.get(name), dict):
            declared[name] = {**declared[name], "Default": value}
    return template


def _upload_local(properties: dict[str, Any], base: Path, uri: str) -> None:
    """Each top-level property naming a file or folder beside the template becomes `uri`."""
    for name, value in properties.items():
        if isinstance(value, str) and "://" not in value and value.strip():
            try:
                local = (base / value).exists()
            except (OSError, ValueError):
                local = False
            if local:
                properties[name] = uri


def _settings(command: ToolCommand, cwd: Path) -> dict[str, Any]:
    """The samconfig parameters of the command's verb, over its `global` ones."""
    names = [command.value("--config-file")] if command.has("--config-file") else CONFIG_FILES
    env = command.value("--config-env") or "default"
    for name in names:
        path = cwd / str(name)
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
        except (OSError, ValueError, yaml.YAMLError):
            return {}
        section = data.get(env) if isinstance(data, dict) else None
        if not isinstance(section, dict):
            return {}
        merged: dict[str, Any] = {}
        for part in ("global", *SECTIONS.get(command.verb, (command.verb,))):
            params = (
                (section.get(part) or {}).get("parameters")
                if isinstance(section.get(part), dict)
                else None
            )
            if isinstance(params, dict):
                merged.update({k.replace("-", "_"): v for k, v in params.items()})
        return merged
    return {}


def _template_path(command: ToolCommand, settings: Mapping[str, Any], cwd: Path) -> Path | None:
    given = command.value("--template-file", "--template", "-t") or _text(
        settings.get("template_file") or settings.get("template")
    )
    if given:
        return cwd / given
    return next((cwd / name for name in TEMPLATES if (cwd / name).is_file()), None)


def _overrides(given: list[str] | None, settings: Mapping[str, Any]) -> dict[str, str]:
    """`Key=Value` and `ParameterKey=Key,ParameterValue=Value` pairs, the command's first."""
    configured = settings.get("parameter_overrides")
    words: list[str] = []
    if given is not None:
        words = [w for part in given for w in _split(part)]
    elif isinstance(configured, list):
        words = [str(w) for w in configured]
    elif isinstance(configured, str):
        words = _split(configured)
    found: dict[str, str] = {}
    for word in words:
        if word.startswith("ParameterKey="):
            fields = dict(f.split("=", 1) for f in word.split(",") if "=" in f)
            if "ParameterKey" in fields:
                found[fields["ParameterKey"]] = fields.get("ParameterValue", "")
        elif "=" in word:
            key, value = word.split("=", 1)
            found[key] = value
    return found


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""

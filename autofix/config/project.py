"""What the deploy steps reveal about the project: service names, stages, deployment roles.

Scoping keeps the service name literal in ARNs and turns the stage into a
wildcard when the steps deploy more than one stage.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from autofix.config import Step

_SERVICE_NAME = re.compile(r"[A-Za-z0-9][\w-]*")
_SELF_REFERENCE = re.compile(r"\$\{self:([\w.-]+)\}")
_STAGE_FLAGS = ("--stage", "-s")
SERVERLESS_FILES = ("serverless.yml", "serverless.yaml")


def stages_of(steps: Sequence[Step]) -> tuple[str, ...]:
    """Stages named on the steps' command lines (`--stage X`, `--stage=X`, `-s X`)."""
    found: list[str] = []
    for step in steps:
        try:
            words = shlex.split(step.run)
        except ValueError:
            words = step.run.split()
        for i, word in enumerate(words):
            if word.startswith("--stage="):
                found.append(word.split("=", 1)[1])
            elif word in _STAGE_FLAGS and i + 1 < len(words):
                found.append(words[i + 1])
    return tuple(dict.fromkeys(found))


def service_names_of(steps: Sequence[Step]) -> tuple[str, ...]:
    """Service names declared by a Serverless Framework file in a step's directory (a
    `${self:...}` reference resolved from the same file; a name that stays variable, such
    as `${opt:...}`, is left out rather than cut at the variable)."""
    found: list[str] = []
    for step in steps:
        for name in SERVERLESS_FILES:
            path = Path(step.cwd) / name
            if path.is_file():
                service = _service_name(path)
                if service:
                    found.append(service)
    return tuple(dict.fromkeys(found))


def deployment_roles_of(steps: Sequence[Step]) -> tuple[str, ...]:
    """The service roles a Serverless Framework file in a step's directory has
    CloudFormation deploy with (`provider.iam.deploymentRole`, the older
    `provider.cfnRole`), when written as a role ARN (a variable is left out)."""
    found: list[str] = []
    for step in steps:
        for name in SERVERLESS_FILES:
            path = Path(step.cwd) / name
            document = _document(path) if path.is_file() else None
            provider = document.get("provider") if document else None
            role = deployment_role(provider) if isinstance(provider, dict) else None
            if role:
                found.append(role)
    return tuple(dict.fromkeys(found))


def deployment_role(provider: dict[str, Any]) -> str | None:
    """A Serverless `provider`'s deployment role ARN, None: none, or not a literal ARN."""
    iam = provider.get("iam")
    role = iam.get("deploymentRole") if isinstance(iam, dict) else None
    role = role or provider.get("cfnRole")
    if isinstance(role, str) and role.startswith("arn:") and ":role/" in role and "${" not in role:
        return role
    return None


class _AnyTagLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML whose CloudFormation short forms (`!Ref`, ...) read as nothing."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _document(path: Path) -> dict[str, Any] | None:
    try:
        document = yaml.load(  # a SafeLoader
            path.read_text(encoding="utf-8", errors="replace"), Loader=_AnyTagLoader
        )
    except (OSError, yaml.YAMLError):
        return None
    return document if isinstance(document, dict) else None


def _service_name(path: Path) -> str | None:
    document = _document(path)
    if document is None:
        return None
    service = document.get("service")
    if isinstance(service, dict):
        service = service.get("name")
    if not isinstance(service, str):
        return None
    for _ in range(5):  # a reference may name another one
        resolved = _SELF_REFERENCE.sub(lambda m: _lookup(document, m.group(1)), service)
        if resolved == service:
            break
        service = resolved
    return service if _SERVICE_NAME.fullmatch(service) else None


def _lookup(document: dict[str, Any], path: str) -> str:
    value: Any = document
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return str(value) if isinstance(value, str | int) else "${unresolved}"

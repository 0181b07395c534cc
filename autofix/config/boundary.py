"""Whether the deploy tool attaches `[policy] permissions_boundary` to the roles it creates.

With a boundary configured, autofix grants role creation and role-policy writes only on
roles that carry it (`iam:PermissionsBoundary`), so the framework must create its roles
with it, through its own setting:

- Serverless Framework: `provider.iam.role.permissionsBoundary` in serverless.yml;
- AWS SAM: `PermissionsBoundary` under `Globals: Function:` in the template;
- AWS CDK: `cdk bootstrap --custom-permissions-boundary NAME` (or
  `--example-permissions-boundary`), which the bootstrapped roles carry and the app's roles
  take through the `@aws-cdk/core:permissionsBoundary` context.

The check reads the step's files and commands as text: it says what looks missing, it does
not stop the run (the account's denials would, with a clear line each).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from autofix.config.model import Config, Step
from autofix.config.project import SERVERLESS_FILES

SAM_TEMPLATES = ("template.yaml", "template.yml", "template.json")
_SLS_SETTING = re.compile(r"^\s*['\"]?permissionsBoundary['\"]?\s*:", re.MULTILINE)
_SAM_SETTING = re.compile(r"['\"]?PermissionsBoundary['\"]?\s*:", re.MULTILINE)
_CDK_SETTING = ("--custom-permissions-boundary", "--example-permissions-boundary")


def missing_settings(config: Config) -> list[str]:
    """One line per step whose tool will create roles without the configured boundary."""
    if not config.policy.permissions_boundary:
        return []
    lines: list[str] = []
    bootstrapped = any(_cdk_bootstrap_with_boundary(s.run) for s in (*config.setup, *config.steps))
    for step in config.steps:
        if step.rehearsal:
            continue  # the same tool and files as the step it rehearses
        tool = _tool(step.run)
        if tool == "serverless":
            lines += _serverless(step)
        elif tool == "sam":
            lines += _sam(step)
        elif tool == "cdk" and not bootstrapped and "deploy" in step.run:
            lines.append(
                f"step {step.name}: [policy] permissions_boundary is set, but no `cdk bootstrap` "
                "here passes --custom-permissions-boundary: bootstrap with it (and set the "
                "@aws-cdk/core:permissionsBoundary context) so the app's roles carry it"
            )
    return list(dict.fromkeys(lines))


def _tool(command: str) -> str:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    words = [w for w in words if "=" not in w or w.startswith("-")]  # VAR=value prefixes
    if words[:1] == ["npx"]:
        words = words[1:]
    first = Path(words[0]).name if words else ""
    return {"sls": "serverless", "serverless": "serverless", "sam": "sam", "cdk": "cdk"}.get(
        first, ""
    )


def _serverless(step: Step) -> list[str]:
    files = [Path(step.cwd) / n for n in SERVERLESS_FILES if (Path(step.cwd) / n).is_file()]
    if not files or "remove" in step.run.split():
        return []
    if any(_SLS_SETTING.search(f.read_text(encoding="utf-8", errors="replace")) for f in files):
        return []
    return [
        f"step {step.name}: [policy] permissions_boundary is set, but {files[0].name} sets no "
        "provider.iam.role.permissionsBoundary: the roles it creates will be denied"
    ]


def _sam(step: Step) -> list[str]:
    words = step.run.split()
    if "deploy" not in words:
        return []
    named = _flag_value(words, ("--template-file", "--template", "-t"))
    candidates = [Path(step.cwd) / named] if named else [Path(step.cwd) / n for n in SAM_TEMPLATES]
    files = [f for f in candidates if f.is_file()]
    if not files:
        return []
    if _SAM_SETTING.search(files[0].read_text(encoding="utf-8", errors="replace")):
        return []
    return [
        f"step {step.name}: [policy] permissions_boundary is set, but {files[0].name} sets no "
        "PermissionsBoundary (in Globals: Function:): the roles it creates will be denied"
    ]


def _flag_value(words: Sequence[str], flags: Sequence[str]) -> str | None:
    for i, word in enumerate(words):
        for flag in flags:
            if word == flag and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(flag + "="):
                return word.split("=", 1)[1]
    return None


def _cdk_bootstrap_with_boundary(command: str) -> bool:
    return "cdk bootstrap" in command and any(flag in command for flag in _CDK_SETTING)

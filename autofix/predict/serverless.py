"""What a Serverless Framework step will deploy: `sls package` into a temporary directory.

With `--package DIR`, `package` writes only into DIR, so the user's files are untouched.
It makes no AWS call, except for a service with layers: it reads the deployed stack's
outputs (`cloudformation:DescribeStacks`, osls 4 `lib/plugins/aws/package/compile/layers.js`
`compareWithLastLayer`), so its caller may need the tool's own calls first (`declared`).
The step's command line gives the verb (deploy, remove) and every option (`--stage`,
`--region`, `--config`) the package run must share.
"""

from __future__ import annotations

import json
import shlex
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from autofix.config import Step
from autofix.config.project import deployment_role, service_names_of
from autofix.predict.command_line import simple_commands
from autofix.predict.packaged import Packaged, Run

CLIS = frozenset({"sls", "serverless", "osls"})
VERBS = frozenset({"deploy", "remove"})
FRAMEWORK_PACKAGES = ("osls", "serverless")
UPDATE_TEMPLATE = "cloudformation-template-update-stack.json"
DEPLOY_ONLY_OPTIONS = frozenset({"force", "conceal", "aws-s3-accelerate", "no-aws-s3-accelerate"})
"""`sls deploy` options `sls package` rejects ("Detected unrecognized CLI options"): deploy's
options less package's in osls 4's lib/cli/commands-schema/aws-service.js (`--package`,
which package takes as its output, is replaced)."""


@dataclass(frozen=True)
class Command:
    """A Serverless command line split at its verb."""

    words: tuple[str, ...]
    verb_at: int
    lead: str = ""
    """The shell line's text before this command, verbatim (see command_line.ToolCommand)."""

    @property
    def verb(self) -> str:
        return self.words[self.verb_at]

    def as_package(self, directory: Path) -> str:
        """The command packaging what this one deploys into `directory`."""
        rest: list[str] = []
        skip_value = False
        for word in self.words[self.verb_at + 1 :]:
            name = word[2:].split("=", 1)[0] if word.startswith("--") else ""
            if skip_value:
                skip_value = False
            elif name == "package":
                skip_value = "=" not in word
            elif name not in DEPLOY_ONLY_OPTIONS:
                rest.append(word)
        words = [*self.words[: self.verb_at], "package", *rest, "--package", str(directory)]
        return self.lead + shlex.join(words)


def parse_command(run: str) -> Command | None:
    """The Serverless command in `run` (`npx sls deploy --stage dev`), or None."""
    for lead, words in simple_commands(run):
        for i, word in enumerate(words[:-1]):
            if Path(word).name in CLIS and words[i + 1] in VERBS:
                following = words[i + 2] if i + 2 < len(words) else ""
                if following in ("function", "list"):  # `deploy function -f`: no stack deploy
                    return None
                return Command(words, i + 1, lead)
    return None


def package(step: Step, run: Run) -> Packaged | None:
    """Package the step's service; None when the step is not a Serverless deploy or remove,
    or packaging fails (the enforced loop then finds everything by trial)."""
    command = parse_command(step.run)
    if command is None:
        return None
    with tempfile.TemporaryDirectory(prefix="autofix-package-") as tmp:
        out = Path(tmp) / "package"
        result = run(replace(step, run=command.as_package(out)))
        template_file = out / UPDATE_TEMPLATE
        if not result.ok or not template_file.is_file():
            return None
        try:
            template = json.loads(template_file.read_text(encoding="utf-8"))
            state = _state(out / "serverless-state.json")
        except (OSError, ValueError):
            return None
    service = state.get("service") or {}
    provider = service.get("provider") or {}
    name = str(service.get("service") or "")
    stage = str(provider.get("stage") or "dev")
    if not name or not isinstance(template, dict):
        return None
    stack = str(provider.get("stackName") or f"{name}-{stage}")
    region = provider.get("region")
    role = deployment_role(provider)  # `provider.iam.deploymentRole`: passed as RoleARN
    return Packaged(
        command.verb,
        template,
        name,
        stage,
        str(region) if region else None,
        stack,
        removes=command.verb == "remove",
        role=role,
        passes_role=bool(role),
    )


def declared(step: Step) -> Packaged | None:
    """The stack a Serverless step names without packaging it (no template): the service
    its serverless.yml declares, the command's `--stage` (else `dev`) and `--region`."""
    command = parse_command(step.run)
    services = service_names_of([step]) if command is not None else ()
    if command is None or not services:
        return None
    stage = _option(command, "--stage", "-s") or "dev"
    return Packaged(
        command.verb,
        {},
        services[0],
        stage,
        _option(command, "--region", "-r"),
        f"{services[0]}-{stage}",
        removes=command.verb == "remove",
    )


def _option(command: Command, long: str, short: str) -> str | None:
    words = command.words[command.verb_at + 1 :]
    for i, word in enumerate(words):
        if word.startswith(long + "="):
            return word.split("=", 1)[1]
        if word in (long, short) and i + 1 < len(words):
            return words[i + 1]
    return None


def _state(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def framework_version(cwd: Path) -> tuple[str, str] | None:
    """(package, version) of the Serverless Framework the step's directory installs."""
    for directory in (cwd, *cwd.resolve().parents):
        for name in FRAMEWORK_PACKAGES:
            manifest = directory / "node_modules" / name / "package.json"
            if manifest.is_file():
                try:
                    version = str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
                except (OSError, ValueError, KeyError):
                    continue
                return name, version
    return None

"""Framework profiles: what a deploy tool calls itself, per command, as data.

A profile (autofix/data/derived/profiles/<tool>-<major>.json: `osls-4`, `sam-1`, `cdk-2`,
`awscli-1`) lists per command (the tool's verb: `deploy`, `remove`, `delete`, `destroy`...)
the actions the tool calls directly, with resource patterns using `{stack}`, `{service}`,
`{stage}`, `{region}`, `{account}` and `{partition}`, and the tool version it was learnt
from. `autofix profile` regenerates one from run directories: the grants their ledgers show
for denials on the tool's own channels (`output`, `account-log`, soft denials) whose action
the sandbox's deny log shows the tool calling directly (a CloudFormation handler's demand
is the template's part), and the handler demands of stacks the tool makes for itself (a
stack none of the steps names, as SAM's managed bucket stack).
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from autofix import data
from autofix.config import load_config
from autofix.config.project import service_names_of
from autofix.denials.model import Source
from autofix.errors import ConfigError
from autofix.policy.arns import matches
from autofix.policy.conditions import PASSED_TO_SERVICE
from autofix.policy.truncation import truncated
from autofix.predict import ahead
from autofix.records.event_lines import LedgerLine, read_lines
from autofix.records.events import VERIFY, GrantAdded, RunEnd, RunStart, StepStart, VerifyStart
from autofix.records.files import read_json_object
from autofix.sandbox.records import SandboxRecords, json_lines

TOOL_CHANNELS = frozenset({Source.OUTPUT, Source.ACCOUNT_LOG, Source.DECODED, Source.SOFT_DENY_LOG})
TOOL_STACK_CHANNELS = frozenset({*TOOL_CHANNELS, Source.STACK_EVENTS})
"""A handler's demand on the tool's own stack shows in its stack events too."""
"""Denial channels that can carry the tool's own calls (stack events are CloudFormation's;
the tool also prints a handler's failure, so the deny log decides when there is one)."""
DENY_LOGS = (SandboxRecords(Path()).denials.name, SandboxRecords(Path()).soft_denials.name)


@dataclass(frozen=True)
class Call:
    action: str
    resource: str
    passed_to: str = ""
    """An iam:PassRole's: the service the role is passed to (its `iam:PassedToService`)."""


@dataclass(frozen=True)
class Profile:
    name: str
    commands: Mapping[str, tuple[Call, ...]]
    version: str = ""
    """The tool version the profile was learnt from ("" when not recorded)."""

    def calls(
        self,
        command: str,
        service: str,
        stage: str,
        region: str,
        account: str,
        partition: str,
        stack: str = "",
    ) -> list[Call]:
        """The command's calls with the placeholders filled in; a generated name
        (`{service}-*-<logical id>-*`) as every stage's truncated name matches it."""
        values = {
            "stack": stack,
            "service": service,
            "stage": stage,
            "region": region,
            "account": account,
            "partition": partition,
        }
        return [
            Call(
                c.action,
                re.sub(
                    r"\{(\w+)\}",
                    lambda m: values.get(m[1], m[0]),
                    truncated(c.resource, service),
                ),
                c.passed_to,
            )
            for c in self.commands.get(command, ())
        ]


def parse(data: Any, origin: str) -> Profile:
    """A profile from its JSON form; ConfigError naming `origin` when malformed."""
    try:
        commands = {
            str(cmd): tuple(
                Call(str(c["action"]), str(c["resource"]), str(c.get("passed_to") or ""))
                for c in calls
            )
            for cmd, calls in data["commands"].items()
        }
        return Profile(str(data["name"]), commands, str(data.get("version") or ""))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{origin}: not a framework profile ({exc})") from None


def bundled(name: str) -> Profile | None:
    """The profile shipped as autofix/data/derived/profiles/<name>.json, if any."""
    path = data.location("derived", f"profiles/{name}.json")
    if not path.is_file():
        return None
    return parse(data.load("derived", f"profiles/{name}.json"), f"profiles/{name}.json")


# ---------------------------------------------------------------- regeneration


def _direct_actions(directory: Path) -> set[str] | None:
    """Actions the sandbox's deny logs show the tool calling itself (not a handler's
    demand); None when the run has no sandbox records (a real account)."""
    logs = [p for p in (*directory.glob("*.jsonl"), *directory.glob("verify/*/*.jsonl"))]
    logs = [p for p in logs if p.name in DENY_LOGS]
    if not logs:
        return None
    actions: set[str] = set()
    for path in logs:
        for record in json_lines(path):
            if not record.get("demand") and "::" not in str(record.get("operation") or ""):
                actions.add(str(record.get("action", "")).lower())
    return actions


def _generalise(resource: str, names: Mapping[str, str], stage: str = "") -> str:
    for value, placeholder in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if value:
            resource = re.sub(
                rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", placeholder, resource
            )
    # a digest of a generalised name (SAM's `{stack}-7c48dac7-CompanionStack`) is any digest
    resource = re.sub(r"(?<=\})-[0-9a-f]{8,64}(?=-)", "-*", resource)
    # a stage that CloudFormation's name rule truncated (`shop-productio*`) holds for any stage
    for end in range(len(stage) - 1, 0, -1):
        resource = re.sub(rf"(?<=-){re.escape(stage[:end])}\*", "*", resource)
    return resource


@dataclass(frozen=True)
class RunContext:
    """What a run's config tells about it: service names, the stacks its steps name."""

    services: tuple[str, ...] = ()
    stacks: tuple[str, ...] = ()


def build(
    directories: Sequence[Path],
    name: str,
    services: Iterable[str] = (),
    stacks: Iterable[str] = (),
    version: str = "",
) -> dict[str, Any]:
    """The profile `name` from the run directories' ledgers (JSON-ready).

    A tool call granted in one step belongs to that step's command, and to every other
    command whose step the sandbox's access record shows making the same call (a grant
    is recorded once, where it was first denied). `stacks` are the stacks the steps
    deploy (generalised to `{stack}`); a handler demand on any other stack is the tool's.
    """
    own, services = tuple(stacks), tuple(services)
    commands: dict[str, dict[tuple[str, str, str], None]] = {}
    for directory in directories:
        ledger = directory / "ledger.jsonl"
        if not ledger.is_file():
            raise ConfigError(f"{directory}: no ledger.jsonl (not an autofix output directory)")
        lines, _ = read_lines(ledger)
        direct = _direct_actions(directory)
        tool_stacks = _tool_stack_demands(directory, own, services)
        verbs = _step_commands(lines)
        used = _used_per_step(directory, lines)
        deployer = next(
            (e.deployer for e in (ln.event for ln in lines) if isinstance(e, RunStart)), None
        )
        summary = _summary(directory)
        for line in lines:
            event = line.event
            if not isinstance(event, GrantAdded):
                continue
            if event.principal and deployer and event.principal != deployer:
                continue  # another managed role's grant (CDK's execution role): not the tool's
            action = event.action
            tools = event.source in TOOL_CHANNELS and (direct is None or action.lower() in direct)
            if not tools and not (
                event.source in TOOL_STACK_CHANNELS
                and any(a == action.lower() and matches(event.resource, r) for a, r in tool_stacks)
            ):
                continue
            verb, stage = verbs.get(event.step, ("", ""))
            if not verb:
                continue
            names = {
                str(summary.get("account_id") or ""): "{account}",
                str(summary.get("region") or ""): "{region}",
                **{s: "{service}" for s in services},
                **{s: "{stack}" for s in own},
            }
            if stage:
                names[stage] = "{stage}"
            resource = _generalise(event.resource, names, stage)
            also = {
                verbs[s][0] for s, acts in used.items() if action.lower() in acts and s in verbs
            }
            for each in {verb, *also}:
                for service in passed_to(event) or ("",):
                    commands.setdefault(each, {})[(action, resource, service)] = None
    found: dict[str, Any] = {"name": name}
    if version:
        found["version"] = version
    return found | {
        "about": "Actions the deploy tool calls itself, per command; regenerate with "
        "`make profiles` (or `autofix profile OUT_DIR... --name NAME`).",
        "commands": {
            verb: [
                {"action": a, "resource": r} | ({"passed_to": p} if p else {})
                for a, r, p in sorted(calls)
            ]
            for verb, calls in sorted(commands.items())
        },
    }


def passed_to(grant: GrantAdded) -> tuple[str, ...]:
    """The services a granted iam:PassRole passes its role to (its `iam:PassedToService`
    condition), () when it has none."""
    for pairs in (grant.condition or {}).values():
        for key, values in (pairs or {}).items():
            if key.lower() == PASSED_TO_SERVICE.lower():
                return tuple([values] if isinstance(values, str) else values)
    return ()


def _tool_stack_demands(
    directory: Path, own: Sequence[str], services: Sequence[str] = ()
) -> set[tuple[str, str]]:
    """(action, resource) of the handler demands the deny logs show on stacks the tool
    makes for itself: named by none of the steps, nor a service's (`{service}-{stage}`)."""
    found: set[tuple[str, str]] = set()
    for path in (*directory.glob("*.jsonl"), *directory.glob("verify/*/*.jsonl")):
        if path.name not in DENY_LOGS:
            continue
        for record in json_lines(path):
            stack = str(record.get("stack") or "")
            if (
                stack
                and stack not in own
                and not any(stack == s or stack.startswith(f"{s}-") for s in services)
                and "::" in str(record.get("operation") or "")
            ):
                found.add((str(record.get("action", "")).lower(), str(record.get("resource"))))
    return found


def _step_commands(lines: Sequence[LedgerLine]) -> dict[str, tuple[str, str]]:
    """Step name -> (its tool's verb, its Serverless stage or "")."""
    verbs: dict[str, tuple[str, str]] = {}
    for event in (line.event for line in lines):
        if isinstance(event, StepStart) and event.phase != VERIFY:
            tool = ahead.tool_of(event.command)
            if tool is not None:
                stage = _stage(shlex.split(event.command)) if tool.family == "serverless" else ""
                verbs[event.step] = (tool.verb, stage)
    return verbs


def _time(text: Any) -> float:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _used_per_step(directory: Path, lines: Sequence[LedgerLine]) -> dict[str, set[str]]:
    """Step name -> the actions the deployer was allowed while it ran (access record)."""
    access = SandboxRecords(directory).access
    deployer = next(
        (e.deployer for e in (ln.event for ln in lines) if isinstance(e, RunStart)), None
    )
    if not access.is_file() or not deployer:
        return {}
    windows: list[tuple[float, str]] = [
        (_time(line.ts), line.event.step)
        for line in lines
        if isinstance(line.event, StepStart) and line.event.phase != VERIFY
    ]
    ends = [_time(line.ts) for line in lines if isinstance(line.event, VerifyStart | RunEnd)]
    windows.append((min(ends) if ends else float("inf"), ""))
    used: dict[str, set[str]] = {}
    for record in json_lines(access):
        if record.get("principal") != deployer:
            continue
        when = _time(record.get("time"))
        for (start, step), (end, _) in itertools.pairwise(windows):
            if start <= when < end:
                used.setdefault(step, set()).add(str(record.get("action", "")).lower())
    return used


def _stage(words: Sequence[str]) -> str:
    for i, word in enumerate(words):
        if word.startswith("--stage="):
            return word.split("=", 1)[1]
        if word in ("--stage", "-s") and i + 1 < len(words):
            return words[i + 1]
    return ""


def services_of_run(directory: Path) -> tuple[str, ...]:
    """The service names of the run's config (from its run.json), if it can be read."""
    return context_of_run(directory).services


def context_of_run(directory: Path) -> RunContext:
    """The service names and step stacks of the run's config (from its run.json)."""
    try:
        saved = json.loads((directory / "run.json").read_text(encoding="utf-8"))
        config = load_config(Path(saved["config"]))
    except (OSError, ValueError, KeyError, TypeError, ConfigError):
        return RunContext()
    stacks = [name for step in config.steps for name in (*step.stacks, *ahead.stack_names(step))]
    return RunContext(service_names_of(config.steps), tuple(dict.fromkeys(stacks)))


def _summary(directory: Path) -> dict[str, Any]:
    return read_json_object(directory / "summary.json") or {}

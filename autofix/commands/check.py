"""`autofix check`: replay a saved policy, never widen, and name what is newly missing."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from autofix.account.principal import Deployer
from autofix.account.session import Operator
from autofix.account.stack_names import StackNames
from autofix.config import Config
from autofix.config.lifecycle import UPDATE_SUFFIX
from autofix.config.project import service_names_of, stages_of
from autofix.denials.model import Denial
from autofix.harvest.collect import Harvester
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.scope import Mode, ScopeContext, ScopedGrant, grants_for
from autofix.records.events import AttemptStart, StepFailedEvent, StepOk, StepStart
from autofix.records.ledger import Events
from autofix.step.executor import Execution, StepExecutor
from autofix.step.hooks.rehearsal_switch import RehearsalSwitch
from autofix.step.runner import COMMAND_NOT_FOUND


@dataclass(frozen=True)
class Missing:
    """An action a step was denied under the saved policy."""

    action: str | None
    resource: str | None
    grant_resource: str | None
    fixable: bool
    deny: str
    source: str
    excerpt: str


@dataclass(frozen=True)
class StepCheck:
    name: str
    ok: bool
    exit_code: int
    seconds: float
    missing: tuple[Missing, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    exit_code: int
    steps: tuple[StepCheck, ...]
    not_run: tuple[str, ...] = ()
    patch: PolicyDocument = field(default_factory=PolicyDocument)
    unused: tuple[str, ...] | None = None
    """Granted actions the run never used; None when the account cannot tell."""

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "steps": [
                {
                    "name": s.name,
                    "ok": s.ok,
                    "exit_code": s.exit_code,
                    "seconds": round(s.seconds, 2),
                    "reason": s.reason,
                    "missing": [
                        {
                            "action": m.action,
                            "resource": m.resource,
                            "grant_resource": m.grant_resource,
                            "fixable": m.fixable,
                            "deny": m.deny,
                            "source": m.source,
                            "excerpt": m.excerpt,
                        }
                        for m in s.missing
                    ],
                }
                for s in self.steps
            ],
            "not_run": list(self.not_run),
            "unused": list(self.unused) if self.unused is not None else None,
            "patch": self.patch.to_json() if self.patch.grants else None,
        }


def check_policy(
    config: Config,
    operator: Operator,
    policy: PolicyDocument,
    events: Events,
    environ: Mapping[str, str] | None = None,
    scope: Mode = "resource",
    account_log: Any = None,
) -> CheckOutcome:
    """Apply exactly `policy`, run each step once, and report what each step was denied.

    Stops at the first step that fails: the later ones depend on it. The patch holds
    the grants `autofix run --from` would add for the same denials (scoped the same
    way), including those of a step that succeeded while printing a denial.
    """
    deployer = Deployer(operator, config.principal)
    deployer.ensure()
    deployer.apply(policy)
    deployer.wait_until_effective(policy, 0.0 if operator.is_local else 10.0)
    names = StackNames(operator.client("cloudformation"))
    executor = StepExecutor(
        deployer.credentials,
        operator.region,
        operator.endpoint,
        environ if environ is not None else os.environ,
        events,
        harvest=Harvester(operator, account_log=account_log, names=names),
        hooks=[RehearsalSwitch(operator.endpoint if operator.is_local else None)],
    )
    results: list[StepCheck] = []
    patch = PolicyDocument()
    ctx = ScopeContext(
        operator.account_id,
        operator.region,
        mode=scope,
        service_names=config.policy.service_names or service_names_of(config.steps),
        stages=config.policy.stages or stages_of(config.steps),
    )
    try:
        for index, step in enumerate(config.steps, start=1):
            events.emit(
                StepStart(step=step.name, index=index, of=len(config.steps), command=step.run)
            )
            events.emit(AttemptStart(step=step.name, attempt=1, total=index))
            execution = executor.execute(step, 1)
            # the stacks say which parts of their names are generated
            step_ctx = replace(ctx, generated=names.snapshot())
            checked, grants = _check_step(execution, deployer, step_ctx)
            patch = patch.with_grants(g for g in grants if not policy.has(g))
            results.append(checked)
            if checked.ok:
                events.emit(
                    StepOk(step=step.name, attempts=1, actions=[m.action for m in checked.missing])
                )
            else:
                events.emit(
                    StepFailedEvent(
                        step=step.name,
                        attempts=1,
                        reason=checked.reason or "",
                        exit_code=2 if checked.exit_code == COMMAND_NOT_FOUND else 1,
                    )
                )
                break
    finally:
        deployer.close()
    ok = all(s.ok for s in results) and len(results) == len(config.steps)
    not_run = tuple(s.name for s in config.steps[len(results) :])
    exit_code = (
        0
        if ok
        else max((2 if s.exit_code == COMMAND_NOT_FOUND else 1) for s in results if not s.ok)
    )
    return CheckOutcome(ok, exit_code, tuple(results), not_run, patch)


def _check_step(
    execution: Execution, deployer: Deployer, ctx: ScopeContext
) -> tuple[StepCheck, list[Grant]]:
    """What one run under the saved policy showed, and the grants that would fix it."""
    step, result = execution.step, execution.result
    denials = [d for d in execution.denials if deployer.matches(d.principal)]
    scoped = grants_for(denials, ctx)
    missing = tuple(_missing(d, scoped) for d in denials)
    grants = [g.grant for g in scoped]
    if result.ok:
        return StepCheck(step.name, True, 0, result.duration, missing), grants
    if execution.problem is not None:
        reason = execution.problem
    elif denials:
        reason = f"denied {len(denials)} action(s) the saved policy does not grant"
    else:
        reason = f"failed (exit {result.exit_code}) with no permission error: {result.tail(3)}"
    return StepCheck(step.name, False, result.exit_code, result.duration, missing, reason), grants


def _missing(denial: Denial, scoped: list[ScopedGrant]) -> Missing:
    """The denial, with the resource the patch grants for it (the first, when several)."""
    grant = next((g for g in scoped if g.denial is not None and g.denial.key == denial.key), None)
    return Missing(
        action=denial.action,
        resource=denial.resource,
        grant_resource=grant.resource if grant else None,
        fixable=denial.fixable,
        deny=denial.deny.value,
        source=denial.source,
        excerpt=denial.evidence[:300],
    )


def github_annotations(
    outcome: CheckOutcome, config_path: Path | None, workspace: str | None = None
) -> list[str]:
    """`::error` workflow commands GitHub Actions shows as annotations on the run.

    One per missing action (and one per step that failed for another reason), placed
    on the step's `name = ...` line of the config file. `workspace` is the checkout
    (default: `GITHUB_WORKSPACE`): GitHub wants file paths relative to it.
    """
    if workspace is None:
        workspace = os.environ.get("GITHUB_WORKSPACE")
    lines = []
    for step in outcome.steps:
        where = _annotation_place(config_path, step.name, workspace)
        title = f"autofix check: {step.name}"
        for m in step.missing:
            action = m.action or "an unnamed action"
            on = f" on {m.resource}" if m.resource else ""
            if m.fixable:
                why = "which the saved policy does not grant"
            else:
                why = f"denied by a {m.deny} deny that a grant cannot fix"
            lines.append(
                _workflow_command(
                    "error", f"step {step.name} needs {action}{on}, {why}", where, title
                )
            )
        if not step.ok and not step.missing:
            lines.append(_workflow_command("error", step.reason or "failed", where, title))
    return lines


def unused_actions(
    policy: PolicyDocument, used: Iterable[tuple[str, str]], deployer: Deployer
) -> tuple[str, ...]:
    """Actions `policy` grants that no (principal, action) in `used` exercised.

    A wildcard action (`s3:Get*`) counts as used when any action it matches was.
    """
    exercised = {
        action.lower() for principal, action in used if deployer.matches_exactly(principal)
    }
    return tuple(a for a in policy.actions if not any(fnmatchcase(e, a.lower()) for e in exercised))


def _annotation_place(
    config_path: Path | None, step_name: str, workspace: str | None
) -> dict[str, str]:
    if config_path is None:
        return {}
    shown = config_path
    if workspace and config_path.resolve().is_relative_to(Path(workspace).resolve()):
        shown = config_path.resolve().relative_to(Path(workspace).resolve())
    place = {"file": shown.as_posix()}
    # a rehearsal is placed on the step it rehearses
    line = _step_line(config_path, step_name) or _step_line(
        config_path, step_name.removesuffix(UPDATE_SUFFIX)
    )
    if line is not None:
        place["line"] = str(line)
    return place


def _step_line(config_path: Path, step_name: str) -> int | None:
    """The 1-based line of `name = "STEP"` in the config file, if it can be found."""
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        key, _, value = line.partition("=")
        if key.strip() == "name" and value.strip().strip("'\"") == step_name:
            return number
    return None


def _workflow_command(command: str, message: str, properties: Mapping[str, str], title: str) -> str:
    """One workflow command line, escaped as GitHub's toolkit escapes it."""
    props = {**properties, "title": title}
    joined = ",".join(f"{k}={_escape_property(v)}" for k, v in props.items())
    return f"::{command} {joined}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")

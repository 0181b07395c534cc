"""One replay of a saved policy (`autofix check`): each step once, never widen, and name
what each step was denied."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from autofix.account.principal import Deployer
from autofix.account.session import Operator
from autofix.account.stack_names import StackNames
from autofix.config import Config
from autofix.config.project import service_names_of, stages_of
from autofix.denials.model import Denial
from autofix.errors import ExitCode
from autofix.harvest.collect import Harvester
from autofix.harvest.corroborate import Corroboration
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.scope import Mode, ScopeContext, ScopedGrant, grants_for
from autofix.records.events import AttemptStart, StepFailedEvent, StepOk, StepStart
from autofix.records.ledger import Events
from autofix.step.executor import Execution, StepExecutor
from autofix.step.hooks.rehearsal_switch import RehearsalSwitch
from autofix.step.runner import COMMAND_NOT_FOUND


@dataclass(frozen=True)
class Missing:
    """A denial a step met under the saved policy, and the resource the patch grants for it."""

    denial: Denial
    grant_resource: str | None = None

    def to_json(self) -> dict[str, Any]:
        denial = self.denial
        return {
            "action": denial.action,
            "resource": denial.resource,
            "grant_resource": self.grant_resource,
            "fixable": denial.fixable,
            "deny": denial.deny.value,
            "source": denial.source,
            "excerpt": denial.evidence[:300],
            "not_granted": denial.not_granted,
        }


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
                    "missing": [m.to_json() for m in s.missing],
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
    corroborate: Corroboration | None = None,
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
        harvest=Harvester(operator, account_log=account_log, names=names, corroborate=corroborate),
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
        permissions_boundary=config.policy.permissions_boundary,
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
                    StepOk(
                        step=step.name,
                        attempts=1,
                        actions=[m.denial.action for m in checked.missing],
                    )
                )
            else:
                events.emit(
                    StepFailedEvent(
                        step=step.name,
                        attempts=1,
                        reason=checked.reason or "",
                        exit_code=_exit_code(checked),
                    )
                )
                break
    finally:
        deployer.close()
    ok = all(s.ok for s in results) and len(results) == len(config.steps)
    not_run = tuple(s.name for s in config.steps[len(results) :])
    exit_code = ExitCode.OK if ok else max(_exit_code(s) for s in results if not s.ok)
    return CheckOutcome(ok, exit_code, tuple(results), not_run, patch)


def _exit_code(failed: StepCheck) -> ExitCode:
    """A step that could not start is a usage error; any other failure is a failed check."""
    return ExitCode.USAGE if failed.exit_code == COMMAND_NOT_FOUND else ExitCode.FAILED


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
    elif any(not d.not_granted for d in denials):
        count = sum(1 for d in denials if not d.not_granted)
        reason = f"denied {count} action(s) the saved policy does not grant"
    elif denials:
        reason = (
            f"failed (exit {result.exit_code}); the {len(denials)} denial(s) it printed were "
            "never observed, so no grant fixes it"
        )
    else:
        reason = f"failed (exit {result.exit_code}) with no permission error: {result.tail(3)}"
    return StepCheck(step.name, False, result.exit_code, result.duration, missing, reason), grants


def _missing(denial: Denial, scoped: list[ScopedGrant]) -> Missing:
    """The denial, with the resource the patch grants for it (the first, when several)."""
    grant = next((g for g in scoped if g.denial is not None and g.denial.key == denial.key), None)
    return Missing(denial, grant.resource if grant else None)

"""`autofix check`: replay a saved policy, never widen, and name what is newly missing."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autofix.account.principal import Deployer
from autofix.account.session import Operator
from autofix.config import Config, Step
from autofix.denials.model import Denial
from autofix.harvest.collect import Harvester
from autofix.ledger import Events
from autofix.policy.document import PolicyDocument
from autofix.policy.scope import Mode, ScopeContext, grants_for
from autofix.runner import COMMAND_NOT_FOUND, run_step, step_environment


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

    Stops at the first step that fails: the later ones depend on it.
    """
    deployer = Deployer(operator, config.principal)
    deployer.ensure()
    deployer.apply(policy)
    deployer.wait_until_effective(policy, 0.0 if operator.is_local else 10.0)
    harvest = Harvester(operator, account_log=account_log)
    results: list[StepCheck] = []
    patch = PolicyDocument()
    env_base = dict(environ if environ is not None else os.environ)
    try:
        for step in config.steps:
            events.emit(
                "step_start",
                step=step.name,
                index=len(results) + 1,
                of=len(config.steps),
                command=step.run,
            )
            checked, grants = _check_step(step, deployer, operator, harvest, env_base, scope)
            patch = patch.with_grants(grants)
            results.append(checked)
            events.emit(
                "step_ok" if checked.ok else "step_failed",
                step=step.name,
                attempts=1,
                actions=[m.action for m in checked.missing],
                reason=checked.reason or "",
                tail="",
            )
            if not checked.ok:
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
    step: Step,
    deployer: Deployer,
    operator: Operator,
    harvest: Harvester,
    env_base: dict[str, str],
    scope: Mode,
) -> tuple[StepCheck, list[Any]]:
    creds = deployer.credentials().env()
    creds["AWS_REGION"] = creds["AWS_DEFAULT_REGION"] = operator.region
    if operator.endpoint:
        creds["AWS_ENDPOINT_URL"] = operator.endpoint
    started = time.time()
    result = run_step(step, step_environment(env_base, creds, step))
    denials = [d for d in harvest(step, result, started) if deployer.matches(d.principal)]
    ctx = ScopeContext(operator.account_id, operator.region, mode=scope)
    scoped = {(g.denial.key if g.denial else None): g for g in grants_for(denials, ctx)}
    missing = tuple(_missing(d, scoped) for d in denials)
    if result.ok:
        return StepCheck(step.name, True, 0, result.duration, missing), []
    if result.exit_code == COMMAND_NOT_FOUND and "command not found" in result.stderr:
        reason = f"command not found: {step.run.split()[0]!r}"
    elif denials:
        reason = f"denied {len(denials)} action(s) the saved policy does not grant"
    else:
        reason = f"failed (exit {result.exit_code}) with no permission error: {result.tail(3)}"
    grants = [g.grant for g in scoped.values()]
    return StepCheck(step.name, False, result.exit_code, result.duration, missing, reason), grants


def _missing(denial: Denial, scoped: dict[Any, Any]) -> Missing:
    grant = scoped.get(denial.key)
    return Missing(
        action=denial.action,
        resource=denial.resource,
        grant_resource=grant.resource if grant else None,
        fixable=denial.fixable,
        deny=denial.deny.value,
        source=denial.source,
        excerpt=denial.evidence[:300],
    )


def github_annotations(outcome: CheckOutcome, config_path: Path | None) -> list[str]:
    """`::error` lines GitHub Actions shows on the run page."""
    where = f" file={config_path}," if config_path else ""
    lines = []
    for step in outcome.steps:
        for m in step.missing:
            on = f" on {m.resource}" if m.resource else ""
            lines.append(
                f"::error{where.rstrip(',')} title=autofix check: {step.name}::"
                f"step {step.name} needs {m.action}{on}, which the saved policy does not grant"
            )
        if not step.ok and not step.missing:
            lines.append(f"::error title=autofix check: {step.name}::{step.reason}")
    return lines


def unused_actions(
    policy: PolicyDocument, used: Iterable[tuple[str, str]], deployer: Deployer
) -> tuple[str, ...]:
    """Actions `policy` grants that no (principal, action) in `used` exercised."""
    exercised = {
        action.lower() for principal, action in used if deployer.matches_exactly(principal)
    }
    return tuple(a for a in policy.actions if a.lower() not in exercised)

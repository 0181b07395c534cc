"""The repair loop: run a step, harvest its denials, grant, apply, wait, retry.

Bounds: attempts per step, overall time, and no progress (a denial that is
still there after its grant is in force, or a failure with no denial at all).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from botocore.exceptions import ClientError

from autofix.account.principal import Deployer
from autofix.account.rehearsal import StepHook
from autofix.account.stacks import Recovery
from autofix.config import Step
from autofix.denials.model import Denial
from autofix.errors import AutofixError
from autofix.files import write_atomic, write_json_atomic
from autofix.harvest.output import from_output
from autofix.ledger import Events
from autofix.outcome import RunOutcome, StepOutcome
from autofix.policy.document import PolicyDocument
from autofix.policy.guard import Flag, GuardReport, check
from autofix.policy.scope import Mode, ScopeContext, ScopedGrant, grants_for
from autofix.prune import PruneResult
from autofix.runner import COMMAND_NOT_FOUND, StepResult, run_step, step_environment

Harvest = Callable[[Step, StepResult, float], list[Denial]]
"""(step, result, attempt start time) -> every denial the attempt caused."""
Verify = Callable[[PolicyDocument], PruneResult]
"""After success: replay the final policy and prune the grants no step used."""
Recover = Callable[[Step, float], list[Recovery]]
"""(step, attempt start time) -> what was done to make the touched stacks usable again."""


@dataclass(frozen=True)
class LoopSettings:
    max_attempts: int = 40
    max_seconds: float = 3600.0
    scope: Mode = "resource"
    account_id: str = "123456789012"
    service_names: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    allow_self_edit: bool = False
    settle_seconds: float = 0.0
    propagation_retries: int = 0
    endpoint: str | None = None
    region: str = "us-east-1"


@dataclass(frozen=True)
class OutputFiles:
    directory: Path

    @property
    def policy(self) -> Path:
        return self.directory / "policy.json"

    @property
    def ledger(self) -> Path:
        return self.directory / "ledger.jsonl"

    @property
    def summary(self) -> Path:
        return self.directory / "summary.json"

    def role_policy(self, role: str) -> Path:
        """The discovered policy of another managed role (`principal.also_manage`)."""
        return self.directory / f"policy-{role}.json"


class StepFailed(Exception):
    """A step cannot be made to succeed; `exit_code` 1, 2 (configuration) or 3 (guard)."""

    def __init__(
        self, reason: str, exit_code: int = 1, tail: str = "", before_attempt: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.exit_code = exit_code
        self.tail = tail
        self.before_attempt = before_attempt  # raised by a bound, before the attempt ran


class RepairLoop:
    """Carries every step from the start policy to success, or says why it cannot."""

    def __init__(
        self,
        steps: Sequence[Step],
        deployer: Deployer,
        policy: PolicyDocument,
        settings: LoopSettings,
        events: Events,
        files: OutputFiles,
        environ: dict[str, str],
        harvest: Harvest | None = None,
        recover: Recover | None = None,
        on_line: Callable[[str, str], None] | None = None,
        managed_roles: Sequence[Deployer] = (),
        verify: Verify | None = None,
        around_attempt: StepHook | None = None,
    ) -> None:
        self.verify = verify
        self.around_attempt = around_attempt  # e.g. the sandbox's rehearsal switch
        self.steps = tuple(steps)
        self.deployer = deployer
        self.policy = policy
        self.settings = settings
        self.events = events
        self.files = files
        self.environ = environ
        self.harvest = harvest or (lambda _step, result, _t: from_output(result))
        self.recover = recover
        self.on_line = on_line
        self.managed_roles = tuple(managed_roles)
        self.role_policies = {role.config.name: PolicyDocument() for role in self.managed_roles}
        self._failure: tuple[int, str] = (1, "")
        self._last_repeated: list[str] = []
        self._attempt_started = 0.0
        self._flags: dict[tuple[str, str], Flag] = {}
        self.attempts_total = 0
        self._known_actions: set[str] = {a.lower() for a in policy.actions}

    # -- public ------------------------------------------------------------------------

    def run(self) -> RunOutcome:
        started = time.monotonic()
        deadline = started + self.settings.max_seconds
        outcomes: list[StepOutcome] = []
        self.events.emit(
            "run_start",
            steps=[s.name for s in self.steps],
            deployer=self.deployer.arn,
            start_actions=list(self.policy.actions),
        )
        exit_code, reason = 0, None
        try:
            self._apply()
        except StepFailed as failure:
            return self._finish(outcomes, started, failure.exit_code, failure.reason)
        try:
            for index, step in enumerate(self.steps, start=1):
                outcome = self._run_step(step, index, deadline)
                outcomes.append(outcome)
                if not outcome.ok:
                    exit_code, reason = self._failure
                    break
        except KeyboardInterrupt:
            self.events.emit("run_interrupted", attempts_total=self.attempts_total)
            self._finish(outcomes, started, 130, "interrupted")
            raise
        return self._finish(outcomes, started, exit_code, reason)

    # -- one step ----------------------------------------------------------------------

    def _run_step(self, step: Step, index: int, deadline: float) -> StepOutcome:
        step_started = time.monotonic()
        found: list[str] = []
        attempts = 0
        repeated = 0
        self.events.emit(
            "step_start", step=step.name, index=index, of=len(self.steps), command=step.run
        )
        while True:
            attempts += 1
            try:
                result = self._attempt(step, attempts, deadline)
                if result.ok:
                    late = self._grant_after_success(step, attempts, result, found)
                    self.events.emit(
                        "step_ok",
                        step=step.name,
                        attempts=attempts,
                        actions=found,
                        granted_after_success=late,
                    )
                    return StepOutcome(
                        step.name, True, attempts, tuple(found), time.monotonic() - step_started
                    )
                new = self._repair(step, attempts, result, found)
                if new:
                    repeated = 0
                    continue
                if repeated < self.settings.propagation_retries:
                    repeated += 1
                    wait = min(30.0, 2.0 * 2**repeated)
                    self.events.emit(
                        "wait",
                        step=step.name,
                        seconds=wait,
                        why="denied again after its grant: IAM may still be propagating",
                    )
                    time.sleep(wait)
                    continue
                raise StepFailed(
                    "no progress: the step is still denied actions that are already granted "
                    f"({', '.join(self._last_repeated)})",
                    tail=result.tail(),
                )
            except StepFailed as failure:
                attempts -= 1 if failure.before_attempt else 0
                self._failure = (failure.exit_code, failure.reason)
                self.events.emit(
                    "step_failed",
                    step=step.name,
                    attempts=attempts,
                    reason=failure.reason,
                    exit_code=failure.exit_code,
                    tail=failure.tail,
                )
                return StepOutcome(
                    step.name,
                    False,
                    attempts,
                    tuple(found),
                    time.monotonic() - step_started,
                    failure.reason,
                )

    def _attempt(self, step: Step, attempt: int, deadline: float) -> StepResult:
        if attempt > self.settings.max_attempts:
            raise StepFailed(
                f"attempt bound reached: {self.settings.max_attempts} attempts "
                f"(raise loop.max_attempts or --max-attempts)",
                before_attempt=True,
            )
        if time.monotonic() > deadline:
            raise StepFailed(
                f"time bound reached: {self.settings.max_seconds / 60:.0f} minutes "
                "(raise loop.max_minutes)",
                before_attempt=True,
            )
        self.attempts_total += 1
        env = step_environment(self.environ, self._credentials_env(), step)
        self.events.emit(
            "attempt_start", step=step.name, attempt=attempt, total=self.attempts_total
        )
        started_wall = time.time()
        with self.around_attempt(step) if self.around_attempt else nullcontext():
            result = run_step(step, env, self.on_line)
        self.events.emit(
            "command_exit",
            step=step.name,
            attempt=attempt,
            exit_code=result.exit_code,
            seconds=round(result.duration, 3),
            timed_out=result.timed_out,
        )
        if result.timed_out:
            raise StepFailed(f"timed out after {step.timeout:g} s", tail=result.tail())
        if result.exit_code == COMMAND_NOT_FOUND and "command not found" in result.stderr:
            raise StepFailed(
                f"command not found: {step.run.split()[0]!r} (is it installed and on PATH?)",
                exit_code=2,
                tail=result.tail(),
            )
        self._attempt_started = started_wall
        return result

    def _repair(self, step: Step, attempt: int, result: StepResult, found: list[str]) -> bool:
        """Grant what the failed attempt was denied; False when nothing new can be granted."""
        denials = self.harvest(step, result, self._attempt_started)
        self._recover_stacks(step, attempt)
        for denial in denials:
            self.events.emit(
                "denial_found",
                step=step.name,
                attempt=attempt,
                action=denial.action,
                resource=denial.resource,
                principal=denial.principal,
                deny=denial.deny.value,
                fixable=denial.fixable,
                source=denial.source,
                evidence=denial.evidence[:500],
            )
        if not denials:
            raise StepFailed(
                f"the step failed (exit {result.exit_code}) and no permission error was found "
                "in its output: not something a grant can fix",
                tail=result.tail(),
            )
        self._refuse_unfixable(denials, result)
        granted = self._grant(step, attempt, self._denied_to(None, denials), found)
        for role in self.managed_roles:
            granted += self._grant_to_role(step, attempt, role, self._denied_to(role, denials))
        return granted > 0

    def _denied_to(self, role: Deployer | None, denials: list[Denial]) -> list[Denial]:
        """The denials of the deployer (role None) or of one managed role."""
        if role is None:
            return [d for d in denials if self.deployer.matches(d.principal)]
        return [d for d in denials if role.matches_exactly(d.principal)]

    def _managed(self, principal: str | None) -> bool:
        return self.deployer.matches(principal) or any(
            role.matches_exactly(principal) for role in self.managed_roles
        )

    def _refuse_unfixable(self, denials: list[Denial], result: StepResult) -> None:
        """Stop on a denial no grant of ours may fix: another principal's, or an explicit deny."""
        for denial in denials:
            if denial.fixable and self._managed(denial.principal):
                continue
            if denial.fixable:
                self.events.emit(
                    "denial_other_principal",
                    principal=denial.principal,
                    action=denial.action,
                    resource=denial.resource,
                    source=denial.source,
                )
                raise StepFailed(
                    f"{denial.action} on {denial.resource or '*'} was denied to "
                    f"{denial.principal}, which is not the deployer: that principal needs "
                    f"{denial.action}; grant it yourself, or name its role in "
                    "principal.also_manage to let autofix grant it",
                    tail=result.tail(),
                )
            if denial.action is None:
                continue
            if not denial.action_known:
                raise StepFailed(
                    f"{denial.action} was denied but is not a known IAM action; not granted",
                    tail=result.tail(),
                )
            raise StepFailed(
                f"{denial.action} is denied by an explicit deny ({denial.deny.value}"
                f"{': ' + denial.policy_arn if denial.policy_arn else ''}); "
                "a grant cannot fix that",
                tail=result.tail(),
            )

    def _grant(self, step: Step, attempt: int, denials: list[Denial], found: list[str]) -> int:
        scoped = [g for g in self._scoped(denials) if not self.policy.has(g.grant)]
        self._last_repeated = sorted({d.action for d in denials if d.action})
        if not scoped:
            return 0
        self._guard(step, scoped)
        self.policy = self.policy.with_grants(g.grant for g in scoped)
        write_atomic(self.files.policy, self.policy.dumps())
        for grant in scoped:
            first = grant.action.lower() not in self._known_actions
            self._known_actions.add(grant.action.lower())
            if first and grant.action not in found:
                found.append(grant.action)
            self.events.emit(
                "grant_added",
                step=step.name,
                attempt=attempt,
                action=grant.action,
                resource=grant.resource,
                new=first,
                note=grant.note,
                flagged=(grant.action, grant.resource) in self._flags,
                principal=self.deployer.arn,
                source=grant.denial.source if grant.denial else None,
            )
        self._apply()
        return len(scoped)

    def _grant_to_role(
        self, step: Step, attempt: int, role: Deployer, denials: list[Denial]
    ) -> int:
        """Grant a managed role (not the deployer) what it was denied, in its own policy."""
        name = role.config.name
        policy = self.role_policies[name]
        scoped = [g for g in self._scoped(denials) if not policy.has(g.grant)]
        if not scoped:
            return 0
        report = self._judge(role, policy, scoped)
        if report.refusals:
            raise StepFailed(
                f"refused by the safety guard for {role.arn}: {_refusal_lines(report)}",
                exit_code=3,
            )
        policy = policy.with_grants(g.grant for g in scoped)
        self.role_policies[name] = policy
        write_atomic(self.files.role_policy(name), policy.dumps())
        for grant in scoped:
            self.events.emit(
                "grant_added",
                step=step.name,
                attempt=attempt,
                action=grant.action,
                resource=grant.resource,
                new=True,
                note=grant.note,
                flagged=False,
                principal=role.arn,
                source=grant.denial.source if grant.denial else None,
            )
        self._apply_to(role, policy)
        return len(scoped)

    def _scoped(self, denials: list[Denial]) -> list[ScopedGrant]:
        ctx = ScopeContext(
            account_id=self.settings.account_id,
            region=self.settings.region,
            mode=self.settings.scope,
            service_names=self.settings.service_names,
            stages=self.settings.stages,
        )
        return grants_for(denials, ctx)

    def _judge(
        self, principal: Deployer, policy: PolicyDocument, scoped: list[ScopedGrant]
    ) -> GuardReport:
        """The guard's verdict on `principal` holding `policy` plus `scoped`."""
        return check(
            [*(ScopedGrant(g) for g in policy.grants), *scoped],
            principal.arn,
            self.settings.allow_self_edit,
            deployer_attached=(principal.managed_arn,),
        )

    def _guard(self, step: Step, scoped: list[ScopedGrant]) -> None:
        """Refuse (exit 3) what must never be granted; remember the flagged grants."""
        report = self._judge(self.deployer, self.policy, scoped)
        if report.refusals:
            self.events.emit(
                "guard_refused",
                step=step.name,
                refusals=[
                    {"action": r.action, "resource": r.resource, "rule": r.rule}
                    for r in report.refusals
                ],
            )
            raise StepFailed(f"refused by the safety guard: {_refusal_lines(report)}", exit_code=3)
        for flag in report.flags:
            key = (flag.action, flag.resource)
            if key not in self._flags:
                needed = flag.needed_for or f"denied in step {step.name}"
                self._flags[key] = Flag(flag.action, flag.resource, flag.risk, needed)
                self.events.emit(
                    "grant_flagged",
                    step=step.name,
                    action=flag.action,
                    resource=flag.resource,
                    risk=flag.risk,
                    needed_for=needed,
                )

    def _grant_after_success(
        self, step: Step, attempt: int, result: StepResult, found: list[str]
    ) -> list[str]:
        """A step can succeed while printing a denial (a warning): grant those too."""
        harvested = [d for d in self.harvest(step, result, self._attempt_started) if d.fixable]
        denials = self._denied_to(None, harvested)
        before = set(self.policy.grants)
        if denials:
            self._grant(step, attempt, denials, found)
        for role in self.managed_roles:
            self._grant_to_role(step, attempt, role, self._denied_to(role, harvested))
        return [g.action for g in self.policy.grants if g not in before]

    def _recover_stacks(self, step: Step, attempt: int) -> None:
        if self.recover is None:
            return
        for done in self.recover(step, self._attempt_started):
            self.events.emit(
                "stack_recovered",
                step=step.name,
                attempt=attempt,
                stack=done.stack,
                status=done.status,
                action=done.action,
                detail=done.detail,
            )

    # -- policy ------------------------------------------------------------------------

    def _apply(self) -> None:
        write_atomic(self.files.policy, self.policy.dumps())
        self._apply_to(self.deployer, self.policy)

    def _apply_to(self, principal: Deployer, policy: PolicyDocument) -> None:
        """The operator stores `principal`'s policy and waits until it is in force."""
        try:
            applied = principal.apply(policy)
        except AutofixError as exc:
            raise StepFailed(str(exc), exit_code=exc.exit_code) from None
        except ClientError as exc:
            raise StepFailed(f"cannot store the policy of {principal.arn}: {exc}") from None
        other = principal is not self.deployer
        self.events.emit(
            "policy_applied",
            **({"principal": principal.arn} if other else {}),
            mode=applied.mode,
            name=applied.name,
            statements=applied.statements,
            version=applied.version_id,
            deleted_version=applied.deleted_version,
            actions=len(policy.actions),
        )
        waited = principal.wait_until_effective(policy, self.settings.settle_seconds)
        to = f" to {principal.arn}" if other else ""
        self.events.emit("wait", seconds=round(waited, 3), why=f"until the grant{to} is in force")

    def _credentials_env(self) -> dict[str, str]:
        env = self.deployer.credentials().env()
        env["AWS_REGION"] = self.settings.region
        env["AWS_DEFAULT_REGION"] = self.settings.region
        if self.settings.endpoint:
            env["AWS_ENDPOINT_URL"] = self.settings.endpoint
        return env

    def _verified(self, outcome: RunOutcome) -> RunOutcome:
        """The outcome after the verify pass, with pruned actions out of policy and steps."""
        assert self.verify is not None
        result = self.verify(self.policy)
        self.policy = result.policy
        gone = {a.lower() for a in result.pruned}
        steps = tuple(
            replace(s, actions=tuple(a for a in s.actions if a.lower() not in gone))
            for s in outcome.steps
        )
        return replace(outcome, steps=steps, verified=result.verified, pruned=result.pruned)

    def _finish(
        self, outcomes: list[StepOutcome], started: float, exit_code: int, reason: str | None
    ) -> RunOutcome:
        ok = exit_code == 0 and len(outcomes) == len(self.steps)
        outcome = RunOutcome(
            ok=ok,
            exit_code=exit_code,
            steps=tuple(outcomes),
            attempts_total=self.attempts_total,
            seconds=time.monotonic() - started,
            reason=reason,
            account_id=self.settings.account_id,
            region=self.settings.region,
            flags=tuple(
                {
                    "action": f.action,
                    "resource": f.resource,
                    "risk": f.risk,
                    "needed_for": f.needed_for,
                }
                for f in self._flags.values()
            ),
        )
        if ok and self.verify is not None:
            outcome = self._verified(outcome)
        write_atomic(self.files.policy, self.policy.dumps())
        write_json_atomic(self.files.summary, outcome.to_summary())
        self.events.emit(
            "run_end",
            ok=ok,
            exit_code=exit_code,
            attempts_total=self.attempts_total,
            reason=reason,
            actions=list(self.policy.actions),
            role_actions={name: list(p.actions) for name, p in self.role_policies.items()},
        )
        return outcome


def _refusal_lines(report: GuardReport) -> str:
    return "; ".join(f"{r.action} on {r.resource}: {r.message}" for r in report.refusals)

"""The repair loop: run a step, harvest its denials, grant, apply, wait, retry.

Bounds: attempts per step, overall time, and no progress (a denial that is still there
after its grant is in force, or a failure with no denial at all). The loop knows the
account only through an executor (runs a step) and one grantor per principal; after
every step succeeded, a verifier replays the policy in a fresh account (`autofix.verify`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from autofix.config import Step
from autofix.denials.model import Denial
from autofix.events import (
    DISCOVER,
    AttemptStart,
    DenialFound,
    DenialOtherPrincipal,
    GrantGeneralised,
    RunEnd,
    RunInterrupted,
    RunStart,
    StepFailedEvent,
    StepOk,
    StepStart,
    Wait,
)
from autofix.executor import Execution, Executor
from autofix.files import write_atomic, write_json_atomic
from autofix.grantor import Added, GrantFailed, Grantor
from autofix.ledger import Events
from autofix.outcome import RunOutcome, StepOutcome
from autofix.policy.document import PolicyDocument
from autofix.policy.generated import GeneratedNames, generalise_policy


@dataclass(frozen=True)
class LoopSettings:
    max_attempts: int = 40
    max_seconds: float = 3600.0
    propagation_retries: int = 0
    account_id: str = "123456789012"
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


@dataclass(frozen=True)
class Verification:
    """What the verify pass found: whether the final policy replayed in a fresh account."""

    verified: bool
    status: str
    """`replayed`, `skipped (...)` or `failed: ...`, as summary.json's `verification`."""
    policy: PolicyDocument
    role_policies: Mapping[str, PolicyDocument]
    pruned: tuple[str, ...] = ()
    replays: int = 0
    """Every run of a step in the verify pass."""
    steps: tuple[StepOutcome, ...] = ()
    """Per step, the attempts and actions of replays that had to grant (they count)."""
    exit_code: int = 0


Verifier = Callable[[PolicyDocument, Mapping[str, PolicyDocument], float], Verification]
"""(deployer policy, role policies, deadline) -> the verify pass's result."""


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


Sleep = Callable[[float], None]


class Planner(Protocol):
    """A strategy's hooks (`--strategy predict`): grant ahead, widen a denial to its group."""

    def before_step(self, step: Step, grantor: Grantor) -> list[Added]: ...

    def widen(self, execution: Execution, denials: Sequence[Denial]) -> list[Denial]: ...


class RepairLoop:
    """Carries every step from the start policy to success, or says why it cannot."""

    def __init__(
        self,
        steps: Sequence[Step],
        executor: Executor,
        deployer: Grantor,
        settings: LoopSettings,
        events: Events,
        files: OutputFiles,
        roles: Mapping[str, Grantor] | None = None,
        verifier: Verifier | None = None,
        unverified: str = "skipped (--no-verify)",
        phase: str = DISCOVER,
        sleep: Sleep = time.sleep,
        may_grant: bool = True,
        strategy: str = "trial",
        generated: Callable[[], GeneratedNames] | None = None,
        planner: Planner | None = None,
    ) -> None:
        self.planner = planner
        self.generated = generated
        """The generated names the stacks showed so far, for the final check."""
        self.steps = tuple(steps)
        self.executor = executor
        self.deployer = deployer
        self.roles = dict(roles or {})
        self.settings = settings
        self.events = events
        self.files = files
        self.verifier = verifier
        self.unverified = unverified
        self.phase = phase
        self.sleep = sleep
        self.may_grant = may_grant
        self.strategy = strategy
        """False: a replay that proves a policy as it is, never widening it."""
        self.attempts_total = 0
        self.granted = 0
        """Grants made by this loop, to any principal."""
        self.outcomes: list[StepOutcome] = []
        """The steps finished so far."""
        self._failure: tuple[int, str] = (1, "")
        self._last_repeated: list[str] = []

    @property
    def policy(self) -> PolicyDocument:
        return self.deployer.policy

    @property
    def role_policies(self) -> dict[str, PolicyDocument]:
        return {name: g.policy for name, g in self.roles.items()}

    # -- public ------------------------------------------------------------------------

    def run(self) -> RunOutcome:
        """Every step, then the verify pass; writes policy and summary.json."""
        started = time.monotonic()
        deadline = started + self.settings.max_seconds
        self.events.emit(
            RunStart(
                steps=[s.name for s in self.steps],
                deployer=self.deployer.arn,
                start_actions=list(self.policy.actions),
                verify=self.verifier is not None,
                strategy=self.strategy,
            )
        )
        try:
            self.deployer.apply(self.phase)
        except GrantFailed as failure:
            return self._finish([], started, failure.exit_code, failure.reason, None)
        verifying = False
        try:
            outcomes, exit_code, reason = self.run_steps(deadline)
            self._generalise_generated_names()
            verification = None
            if exit_code == 0 and self.verifier is not None:
                verifying = True
                verification = self.verifier(self.policy, self.role_policies, deadline)
                self._adopt(verification)
                if not verification.verified:
                    exit_code, reason = verification.exit_code or 1, verification.status
        except KeyboardInterrupt:
            self.events.emit(RunInterrupted(attempts_total=self.attempts_total))
            # a verify replay's grants are already in policy.json: keep them
            self._finish(
                self.outcomes, started, 130, "interrupted", None, write_policy=not verifying
            )
            raise
        return self._finish(outcomes, started, exit_code, reason, verification)

    def run_steps(self, deadline: float) -> tuple[list[StepOutcome], int, str | None]:
        """Carry each step to success in turn; stops at the first that cannot be."""
        outcomes = self.outcomes
        for index, step in enumerate(self.steps, start=1):
            outcome = self._run_step(step, index, deadline)
            outcomes.append(outcome)
            if not outcome.ok:
                exit_code, reason = self._failure
                return outcomes, exit_code, reason
        return outcomes, 0, None

    # -- one step ----------------------------------------------------------------------

    def _run_step(self, step: Step, index: int, deadline: float) -> StepOutcome:
        step_started = time.monotonic()
        found: list[str] = []
        attempts = 0
        repeated = 0
        self.events.emit(
            StepStart(
                step=step.name, index=index, of=len(self.steps), command=step.run, phase=self.phase
            )
        )
        if self.planner is not None and self.may_grant:
            for added in self.planner.before_step(step, self.deployer):  # the step's, if used
                if added.new and added.grant.action not in found:
                    found.append(added.grant.action)
        while True:
            attempts += 1
            try:
                execution = self._attempt(step, attempts, deadline)
                if execution.ok:
                    late = self._grant_after_success(execution, found)
                    self.events.emit(
                        StepOk(
                            step=step.name,
                            attempts=attempts,
                            actions=list(found),
                            granted_after_success=late,
                            phase=self.phase,
                        )
                    )
                    return StepOutcome(
                        step.name, True, attempts, tuple(found), time.monotonic() - step_started
                    )
                if self._repair(execution, found):
                    repeated = 0
                    continue
                if repeated < self.settings.propagation_retries:
                    repeated += 1
                    wait = min(30.0, 2.0 * 2**repeated)
                    self.events.emit(
                        Wait(
                            step=step.name,
                            seconds=wait,
                            why="denied again after its grant: IAM may still be propagating",
                            phase=self.phase,
                        )
                    )
                    self.sleep(wait)
                    continue
                raise StepFailed(
                    "no progress: the step is still denied actions that are already granted "
                    f"({', '.join(self._last_repeated)})"
                    if self._last_repeated
                    else "no progress: the step is denied, but its output does not name the "
                    "action (see its last lines); there is nothing to grant",
                    tail=execution.result.tail(),
                )
            except StepFailed as failure:
                attempts -= 1 if failure.before_attempt else 0
                self._failure = (failure.exit_code, failure.reason)
                self.events.emit(
                    StepFailedEvent(
                        step=step.name,
                        attempts=attempts,
                        reason=failure.reason,
                        exit_code=failure.exit_code,
                        tail=failure.tail,
                        phase=self.phase,
                    )
                )
                return StepOutcome(
                    step.name,
                    False,
                    attempts,
                    tuple(found),
                    time.monotonic() - step_started,
                    failure.reason,
                )

    def _attempt(self, step: Step, attempt: int, deadline: float) -> Execution:
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
        for role in self.roles.values():  # a managed role a step made: its policy, now
            role.apply_when_present(self.phase)
        self.attempts_total += 1
        self.events.emit(
            AttemptStart(
                step=step.name, attempt=attempt, total=self.attempts_total, phase=self.phase
            )
        )
        execution = self.executor.execute(step, attempt, self.phase)
        if execution.problem is not None:
            raise StepFailed(
                execution.problem,
                exit_code=execution.problem_exit_code,
                tail=execution.result.tail(),
            )
        return execution

    def _repair(self, execution: Execution, found: list[str]) -> bool:
        """Grant what the failed attempt was denied; False when nothing new can be granted."""
        denials = list(execution.denials)
        for denial in denials:
            self._record(execution, denial)
        if not denials:
            raise StepFailed(
                f"the step failed (exit {execution.result.exit_code}) and no permission error "
                "was found in its output: not something a grant can fix",
                tail=execution.result.tail(),
            )
        self._refuse_unfixable(denials, execution)
        if not self.may_grant:
            named = sorted({d.action or "an unnamed action" for d in denials})
            raise StepFailed(f"denied {', '.join(named)}", tail=execution.result.tail())
        self._last_repeated = sorted(
            {d.action for d in denials if d.action and self.deployer.owns(d.principal)}
        )
        if self.planner is not None:
            denials += self.deployer.admissible(self.planner.widen(execution, denials))
        # a managed role the attempt itself made (a verify replay) has its policy only now
        applied = [g for g in self.roles.values() if g.apply_when_present(self.phase)]
        return self._grant_all(execution, denials, found) > 0 or bool(applied)

    def _record(self, execution: Execution, denial: Denial) -> None:
        self.events.emit(
            DenialFound(
                step=execution.step.name,
                attempt=execution.attempt,
                action=denial.action,
                resource=denial.resource,
                principal=denial.principal,
                deny=denial.deny.value,
                fixable=denial.fixable,
                source=denial.source,
                evidence=denial.evidence[:500],
                phase=self.phase,
            )
        )

    def _grant_all(self, execution: Execution, denials: list[Denial], found: list[str]) -> int:
        """Each grantor grants its principal's share of `denials`; the number of grants."""
        added = 0
        for grantor in (self.deployer, *self.roles.values()):
            mine = [d for d in denials if grantor.owns(d.principal)]
            if not mine:
                continue
            try:
                grants = grantor.grant(mine, execution.step.name, execution.attempt, self.phase)
            except GrantFailed as failure:
                raise StepFailed(failure.reason, exit_code=failure.exit_code) from None
            added += len(grants)
            if grantor is self.deployer:
                for a in grants:
                    if a.new and a.grant.action not in found:
                        found.append(a.grant.action)
        self.granted += added
        return added

    def _owned(self, principal: str | None) -> bool:
        return any(g.owns(principal) for g in (self.deployer, *self.roles.values()))

    def _refuse_unfixable(self, denials: list[Denial], execution: Execution) -> None:
        """Stop on a denial no grant of ours may fix: another principal's, or an explicit deny."""
        tail = execution.result.tail()
        for denial in denials:
            if denial.fixable and self._owned(denial.principal):
                continue
            if denial.fixable:
                self.events.emit(
                    DenialOtherPrincipal(
                        principal=denial.principal,
                        action=denial.action,
                        resource=denial.resource,
                        source=denial.source,
                        phase=self.phase,
                    )
                )
                raise StepFailed(
                    f"{denial.action} on {denial.resource or '*'} was denied to "
                    f"{denial.principal}, which is not the deployer: that principal needs "
                    f"{denial.action}; grant it yourself, or name its role in "
                    "principal.also_manage to let autofix grant it",
                    tail=tail,
                )
            if denial.action is None:
                continue
            if not denial.action_known:
                raise StepFailed(
                    f"{denial.action} was denied but is not a known IAM action; not granted",
                    tail=tail,
                )
            raise StepFailed(
                f"{denial.action} is denied by an explicit deny ({denial.deny.value}"
                f"{': ' + denial.policy_arn if denial.policy_arn else ''}); "
                "a grant cannot fix that",
                tail=tail,
            )

    def _grant_after_success(self, execution: Execution, found: list[str]) -> list[str]:
        """A step can succeed while printing a denial (a warning): grant those too."""
        harvested = [d for d in execution.denials if d.fixable]
        for denial in harvested:
            self._record(execution, denial)
        before = set(self.policy.grants)
        if harvested and self.may_grant:
            self._grant_all(execution, harvested, found)
        return [g.action for g in self.policy.grants if g not in before]

    # -- the end -----------------------------------------------------------------------

    def _adopt(self, verification: Verification) -> None:
        """Take over the verified (grown or pruned) policies from the verify pass."""
        self.deployer.policy = verification.policy
        for name, policy in verification.role_policies.items():
            if name in self.roles:
                self.roles[name].policy = policy
                write_atomic(self.roles[name].policy_file, policy.dumps())

    def _generalise_generated_names(self) -> None:
        """No grant keeps a physical name the next deploy regenerates (final check)."""
        if self.generated is None:
            return
        names = self.generated()
        for grantor in (self.deployer, *self.roles.values()):
            grantor.policy, changes = generalise_policy(grantor.policy, names)
            if changes and grantor is not self.deployer:
                write_atomic(grantor.policy_file, grantor.policy.dumps())
            for change in changes:
                self.events.emit(
                    GrantGeneralised(
                        action=change.before.action,
                        resource=change.before.resource,
                        now=change.after.resource,
                        why="generated name(s) of "
                        + ", ".join(n.describe() for n in change.names)
                        + ": the next deploy makes a new random part",
                    )
                )

    def _finish(
        self,
        outcomes: list[StepOutcome],
        started: float,
        exit_code: int,
        reason: str | None,
        verification: Verification | None,
        write_policy: bool = True,
    ) -> RunOutcome:
        steps = tuple(outcomes)
        verified, status, replays = False, self.unverified, 0
        pruned: tuple[str, ...] = ()
        if verification is not None:
            verified, status = verification.verified, verification.status
            pruned, replays = verification.pruned, verification.replays
            steps = _merge_verify_steps(steps, verification.steps, pruned)
        elif exit_code != 0:
            status = "not reached (a step failed)"
        attempts_total = self.attempts_total + sum(
            s.attempts for s in (verification.steps if verification else ())
        )
        ok = exit_code == 0 and len(outcomes) == len(self.steps)
        flags = [f for g in (self.deployer, *self.roles.values()) for f in g.flags.values()]
        outcome = RunOutcome(
            ok=ok,
            exit_code=exit_code,
            steps=steps,
            attempts_total=attempts_total,
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
                for f in flags
            ),
            verified=verified,
            verification=status,
            pruned=pruned,
            verify_replays=replays,
            strategy=self.strategy,
        )
        if write_policy:
            write_atomic(self.files.policy, self.policy.dumps())
        write_json_atomic(self.files.summary, outcome.to_summary())
        self.events.emit(
            RunEnd(
                ok=ok,
                exit_code=exit_code,
                attempts_total=attempts_total,
                reason=reason,
                actions=list(self.policy.actions),
                role_actions={name: list(p.actions) for name, p in self.role_policies.items()},
                verified=verified,
                verification=status,
            )
        )
        return outcome


def _merge_verify_steps(
    steps: tuple[StepOutcome, ...], verify: tuple[StepOutcome, ...], pruned: tuple[str, ...]
) -> tuple[StepOutcome, ...]:
    """Discovery's steps plus the attempts and actions of verify replays that had to grant."""
    extra = {s.name: s for s in verify}
    gone = {a.lower() for a in pruned}
    merged = []
    for s in steps:
        more = extra.get(s.name)
        actions = [a for a in s.actions if a.lower() not in gone]
        attempts = s.attempts
        if more is not None:
            attempts += more.attempts
            actions += [a for a in more.actions if a not in actions and a.lower() not in gone]
        merged.append(replace(s, attempts=attempts, actions=tuple(actions)))
    return tuple(merged)

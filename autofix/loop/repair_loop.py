"""RepairLoop: carries each step from the start policy to success, attempt by attempt,
then hands the policy to the verify pass."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from autofix.config import Step
from autofix.harvest.demand_origin import Origins
from autofix.loop.contracts import (
    LoopSettings,
    OutputFiles,
    Planner,
    Sleep,
    StepFailed,
    Verification,
    Verifier,
)
from autofix.loop.finish import adopt, generalise_generated_names, run_outcome
from autofix.loop.grantor import GrantFailed, Grantor
from autofix.loop.repair import DenialRepair
from autofix.policy.document import PolicyDocument
from autofix.policy.generated import GeneratedNames
from autofix.records.events import (
    DISCOVER,
    AttemptStart,
    RunEnd,
    RunInterrupted,
    RunStart,
    StepFailedEvent,
    StepOk,
    StepStart,
    Wait,
)
from autofix.records.files import write_atomic, write_json_atomic
from autofix.records.ledger import Events
from autofix.records.outcome import RunOutcome, StepOutcome
from autofix.step.executor import Execution, Executor


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
        origins: Origins | None = None,
    ) -> None:
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
        """False: a replay that proves a policy as it is, never widening it."""
        self.strategy = strategy
        self.attempts_total = 0
        self.outcomes: list[StepOutcome] = []
        """The steps finished so far."""
        self.repair = DenialRepair(deployer, self.roles, events, phase, may_grant, planner, origins)
        """Turns a failed attempt's denials into grants (it holds the strategy's hooks)."""
        self._failure: tuple[int, str] = (1, "")

    @property
    def policy(self) -> PolicyDocument:
        return self.deployer.policy

    @property
    def role_policies(self) -> dict[str, PolicyDocument]:
        return {name: g.policy for name, g in self.roles.items()}

    @property
    def planner(self) -> Planner | None:
        """The strategy's hooks (None: `--strategy trial`)."""
        return self.repair.planner

    @planner.setter
    def planner(self, planner: Planner | None) -> None:
        self.repair.planner = planner

    @property
    def granted(self) -> int:
        """Grants made by this loop, to any principal."""
        return self.repair.granted

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
                trust_output=self.deployer.rules.trust_output,
            )
        )
        try:
            self.deployer.apply(self.phase)
        except GrantFailed as failure:
            return self._finish([], started, failure.exit_code, failure.reason, None)
        verifying = False
        try:
            outcomes, exit_code, reason = self.run_steps(deadline)
            if self.generated is not None:
                generalise_generated_names(
                    self.deployer, tuple(self.roles.values()), self.generated(), self.events
                )
            verification = None
            if exit_code == 0 and self.verifier is not None:
                verifying = True
                verification = self.verifier(self.policy, self.role_policies, deadline)
                adopt(verification, self.deployer, self.roles)
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
            for added in self.planner.before_step(
                step, (self.deployer, *self.roles.values())
            ):  # the step's, if used
                if added.new and added.grant.action not in found:
                    found.append(added.grant.action)
        while True:
            attempts += 1
            try:
                execution = self._attempt(step, attempts, deadline)
                if execution.ok:
                    late = self.repair.after_success(execution, found)
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
                if self.repair.repair(execution, found):
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
                repeated_actions = self.repair.last_repeated
                raise StepFailed(
                    "no progress: the step is still denied actions that are already granted "
                    f"({', '.join(repeated_actions)})"
                    if repeated_actions
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

    # -- the end -----------------------------------------------------------------------

    def _finish(
        self,
        outcomes: list[StepOutcome],
        started: float,
        exit_code: int,
        reason: str | None,
        verification: Verification | None,
        write_policy: bool = True,
    ) -> RunOutcome:
        outcome = run_outcome(
            outcomes=outcomes,
            step_count=len(self.steps),
            attempts=self.attempts_total,
            seconds=time.monotonic() - started,
            exit_code=exit_code,
            reason=reason,
            verification=verification,
            unverified=self.unverified,
            settings=self.settings,
            grantors=(self.deployer, *self.roles.values()),
            strategy=self.strategy,
        )
        if write_policy:
            write_atomic(self.files.policy, self.policy.dumps())
        write_json_atomic(self.files.summary, outcome.to_summary())
        self.events.emit(
            RunEnd(
                ok=outcome.ok,
                exit_code=exit_code,
                attempts_total=outcome.attempts_total,
                reason=reason,
                actions=list(self.policy.actions),
                role_actions={name: list(p.actions) for name, p in self.role_policies.items()},
                verified=outcome.verified,
                verification=outcome.verification,
            )
        )
        return outcome

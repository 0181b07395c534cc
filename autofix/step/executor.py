"""One run of one step, as `run` and `check` both need it.

The executor gives the step the deployer's credentials, runs it, names the failures no
grant can fix (command not found, timeout), harvests the denials it caused and, after a
failed run, repairs the stacks it touched. Hooks run just before and after each run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from autofix.account.stacks import SERVICE_ERRORS, Recovery, service_error_line
from autofix.config import Step
from autofix.denials.model import Denial
from autofix.errors import ExitCode
from autofix.records.events import DISCOVER, CommandExit, StackRecovered, Wait
from autofix.records.ledger import Events
from autofix.sandbox.server import Credentials
from autofix.step import diagnose, turns
from autofix.step.runner import COMMAND_NOT_FOUND, LineSink, StepResult, run_step, step_environment

Harvest = Callable[[Step, StepResult, float], list[Denial]]
"""(step, result, wall-clock start of the run) -> every denial the run caused."""
Recover = Callable[[Step, float], list[Recovery]]
"""(step, wall-clock start of the run) -> what was done to make the touched stacks usable."""
Runner = Callable[[Step, Mapping[str, str], LineSink | None], StepResult]


@dataclass(frozen=True)
class Execution:
    """What one run of a step did, and what it showed."""

    step: Step
    attempt: int
    result: StepResult
    started: float
    """Wall-clock time the run started (what the account's records are searched from)."""
    denials: tuple[Denial, ...] = ()
    recoveries: tuple[Recovery, ...] = ()
    problem: str | None = None
    """Why the run failed in a way no grant can fix (timeout, command not found)."""
    problem_exit_code: int = 1
    failures: tuple[str, ...] = ()
    """Stack failures that name no denial (a template error), oldest first."""

    @property
    def ok(self) -> bool:
        return self.result.ok


class StepHook(Protocol):
    """Called around each run of a step (e.g. to prepare or check a rehearsal)."""

    def before(self, step: Step, attempt: int) -> None: ...

    def after(self, execution: Execution) -> None: ...


class Executor(Protocol):
    """Runs a step once; the repair loop needs nothing else from the account."""

    def execute(self, step: Step, attempt: int, phase: str = DISCOVER) -> Execution: ...


def deployer_environment(
    credentials: Credentials, region: str, endpoint: str | None
) -> dict[str, str]:
    """The AWS variables a step gets: the deployer's keys, the region, the endpoint."""
    env = credentials.env()
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


class StepExecutor:
    """Runs steps with the credentials `credentials()` returns at each run."""

    def __init__(
        self,
        credentials: Callable[[], Credentials],
        region: str,
        endpoint: str | None,
        environ: Mapping[str, str],
        events: Events,
        harvest: Harvest,
        recover: Recover | None = None,
        on_line: LineSink | None = None,
        hooks: Sequence[StepHook] = (),
        extra_env: Mapping[str, str] | None = None,
        runner: Runner = run_step,
    ) -> None:
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
        self.environ = dict(environ)
        self.events = events
        self.harvest = harvest
        self.recover = recover
        self.on_line = on_line
        self.hooks = tuple(hooks)
        self.extra_env = dict(extra_env or {})
        """Set for every step after the step's own env (e.g. the verify pass's stack name)."""
        self.runner = runner

    def environment(self, step: Step) -> dict[str, str]:
        creds = deployer_environment(self.credentials(), self.region, self.endpoint)
        env = step_environment(self.environ, creds, step)
        env.update(self.extra_env)
        return env

    def execute(self, step: Step, attempt: int, phase: str = DISCOVER) -> Execution:
        for hook in self.hooks:
            hook.before(step, attempt)
        env = self.environment(step)

        def waiting(seconds: float, why: str) -> None:
            self.events.emit(Wait(seconds=seconds, why=why, step=step.name, phase=phase))

        with turns.take_turn(Path(step.cwd).resolve(), step.timeout, waiting):
            started = time.time()
            result = self.runner(step, env, self.on_line)
        self.events.emit(
            CommandExit(
                step=step.name,
                attempt=attempt,
                exit_code=result.exit_code,
                seconds=round(result.duration, 3),
                timed_out=result.timed_out,
                phase=phase,
            )
        )
        execution = self._examine(step, attempt, result, started, phase)
        for hook in self.hooks:
            hook.after(execution)
        return execution

    def _examine(
        self, step: Step, attempt: int, result: StepResult, started: float, phase: str
    ) -> Execution:
        if result.timed_out:
            return Execution(
                step, attempt, result, started, problem=f"timed out after {step.timeout:g} s"
            )
        if result.exit_code == COMMAND_NOT_FOUND and "command not found" in result.stderr:
            return Execution(
                step,
                attempt,
                result,
                started,
                problem=(
                    f"command not found: {step.run.split()[0]!r} (is it installed and on PATH?)"
                ),
                problem_exit_code=ExitCode.USAGE,
            )
        try:
            denials = tuple(self.harvest(step, result, started))
        except SERVICE_ERRORS as exc:  # the operator's reads of the account failed
            return Execution(
                step,
                attempt,
                result,
                started,
                problem=f"reading the attempt's denials failed: {service_error_line(exc)}",
            )
        if not result.ok and not denials:
            known = diagnose.failure(result.output, self.endpoint is not None)
            if known is not None:  # a full disk, a client that left the sandbox
                return Execution(
                    step,
                    attempt,
                    result,
                    started,
                    problem=known.reason,
                    problem_exit_code=known.exit_code,
                )
        recoveries: tuple[Recovery, ...] = ()
        if not result.ok and self.recover is not None:
            recoveries = tuple(self.recover(step, started))
            for done in recoveries:
                self.events.emit(
                    StackRecovered(
                        step=step.name,
                        attempt=attempt,
                        stack=done.stack,
                        status=done.status,
                        action=done.action,
                        detail=done.detail,
                        phase=phase,
                    )
                )
        failures = () if result.ok else tuple(getattr(self.harvest, "unexplained", ()))
        return Execution(step, attempt, result, started, denials, recoveries, failures=failures)

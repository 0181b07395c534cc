"""Setup steps: an administrator's one-off commands (`cdk bootstrap`), run as the operator.

A `[[setup]]` step prepares the embedded sandbox account before any deploy step runs, in
every account autofix opens (the discovery run, each verify replay, `autofix check`): it
runs with the operator's sandbox credentials, is never repaired or granted to, and is
recorded in the ledger as `setup_ran`, naming that principal. On a real account nothing
runs as the operator: an administrator runs such commands before autofix (config.py
refuses `[[setup]]` there).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from autofix.account.session import Operator
from autofix.config import Step
from autofix.errors import AutofixError
from autofix.records.events import SetupRan
from autofix.records.ledger import Events
from autofix.sandbox.server import Credentials
from autofix.step.executor import deployer_environment
from autofix.step.runner import StepResult, run_step, step_environment

Runner = Callable[[Step, Mapping[str, str]], StepResult]


class SetupFailed(AutofixError):
    """A setup step failed: nothing was deployed, and nothing a grant could fix."""


def operator_environment(
    operator: Operator, environ: Mapping[str, str], step: Step
) -> dict[str, str]:
    """The setup step's environment: the operator's keys and the sandbox's endpoints, plus
    AUTOFIX_ACCOUNT_ID and AUTOFIX_REGION."""
    frozen = operator.session.get_credentials().get_frozen_credentials()
    keys = Credentials(frozen.access_key, frozen.secret_key, frozen.token)
    env = step_environment(
        environ, deployer_environment(keys, operator.region, operator.endpoint), step
    )
    env.update(AUTOFIX_ACCOUNT_ID=operator.account_id, AUTOFIX_REGION=operator.region)
    return env


def run_setup(
    steps: Sequence[Step],
    operator: Operator,
    events: Events,
    environ: Mapping[str, str] | None = None,
    runner: Runner | None = None,
) -> None:
    """Run each setup step once as the operator; SetupFailed (exit 1) at the first failure."""
    if not steps:
        return
    if not operator.is_local:
        raise SetupFailed("setup steps run only on the embedded sandbox")  # config.py says so too
    run = runner or (lambda step, env: run_step(step, env, None))
    for step in steps:
        result = run(step, operator_environment(operator, environ or os.environ, step))
        events.emit(
            SetupRan(
                step=step.name,
                command=step.run,
                principal=operator.arn,
                exit_code=result.exit_code,
                seconds=round(result.duration, 3),
            )
        )
        if not result.ok:
            why = "timed out" if result.timed_out else f"exit {result.exit_code}"
            raise SetupFailed(
                f"setup step {step.name} failed ({why}) as the sandbox's operator; its last "
                f"lines:\n{result.tail()}"
            )

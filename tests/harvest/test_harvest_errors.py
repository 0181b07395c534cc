"""A failed step whose harvest meets a CloudFormation service error stops with that reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autofix.account.session import Operator
from autofix.config import Step
from autofix.harvest.collect import Harvester
from autofix.records.ledger import Events
from autofix.sandbox.server import Credentials, SandboxInfo
from autofix.step.executor import StepExecutor
from tests.harvest.test_recovery_errors import _html_500


def test_a_service_error_while_harvesting_is_the_steps_problem(
    operator: Operator, hooked_sandbox: SandboxInfo, tmp_path: Path
) -> None:
    harvester = Harvester(operator)
    harvester._cfn.meta.events.register(
        "before-send.cloudformation.ListStacks", lambda **_: _html_500()
    )
    seen: list[Any] = []
    executor = StepExecutor(
        lambda: Credentials("AKIDEXAMPLE", "secret"),
        "us-east-1",
        hooked_sandbox.endpoint,
        {"PATH": "/usr/bin:/bin"},
        Events(seen.append),
        harvest=harvester,
    )
    step = Step(name="fails", run="echo boom >&2; exit 1", cwd=tmp_path)
    execution = executor.execute(step, 1)
    assert execution.problem is not None
    assert execution.problem.startswith("reading the attempt's denials failed: Unable to parse")
    assert "\n" not in execution.problem

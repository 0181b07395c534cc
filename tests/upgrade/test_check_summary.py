"""What `autofix check` tells a person: per step, what is missing and the proof of it."""

from __future__ import annotations

import io

from autofix.console import Console
from autofix.denials.model import Denial, DenyKind
from autofix.loop.check import CheckOutcome, Missing, StepCheck


def _missing(action: str, deny: str = "implicit", excerpt: str = "") -> Missing:
    return Missing(Denial(action, "*", deny=DenyKind(deny), evidence=excerpt), "*")


def _summary(outcome: CheckOutcome, patch: object | None = None) -> str:
    stream = io.StringIO()
    Console(stream).check_summary(outcome, patch)
    return stream.getvalue()


def test_missing_actions_with_their_excerpt_and_the_steps_not_run() -> None:
    outcome = CheckOutcome(
        False,
        1,
        (
            StepCheck(
                "deploy",
                False,
                1,
                1.0,
                (
                    _missing("cloudformation:ValidateTemplate", excerpt="not authorized\nmore"),
                    _missing("s3:PutObject", deny="scp"),
                ),
                "denied 2 action(s) the saved policy does not grant",
            ),
        ),
        not_run=("remove",),
    )
    text = _summary(outcome, "patch.json")
    assert text.splitlines() == [
        "",
        "✘ deploy:",
        "    missing cloudformation:ValidateTemplate on *  (output)",
        "      │ not authorized",
        "    missing s3:PutObject on *  (output, scp deny: a grant cannot fix it)",
        "· remove: not run (an earlier step failed)",
        "patch with just the missing actions: patch.json",
        "the saved policy is not enough",
    ]


def test_a_failure_without_denial_keeps_its_reason() -> None:
    outcome = CheckOutcome(False, 1, (StepCheck("deploy", False, 2, 1.0, (), "failed (exit 2)"),))
    assert "✘ deploy: failed (exit 2)" in _summary(outcome)


def test_a_denial_in_a_step_that_succeeded_is_shown_as_a_warning() -> None:
    outcome = CheckOutcome(
        True, 0, (StepCheck("deploy", True, 0, 1.0, (_missing("lambda:GetFunction"),)),)
    )
    lines = _summary(outcome).splitlines()
    assert lines[1:] == [
        "✔ deploy: the saved policy is enough",
        "    but it was denied lambda:GetFunction on * (output, a warning only)",
        "the saved policy still works",
    ]

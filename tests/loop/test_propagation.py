"""IAM is eventually consistent: a grant that is not yet in force is retried, not given up on."""

from __future__ import annotations

from pathlib import Path

from autofix.records.events import Wait
from tests.conftest import AWS, read_json
from tests.loop.scaffold import events, run_steps, summary


def test_loop_waits_for_a_grant_to_propagate(tmp_path: Path) -> None:
    result = run_steps(
        tmp_path,
        ("topic", f"{AWS} sns create-topic --name slow"),
        head="[sandbox]\nsimulate_propagation_seconds = 3",
    )
    assert result.exit_code == 0, result.output
    ran = summary(tmp_path)
    assert ran["steps"][0]["actions"] == ["sns:CreateTopic"]
    waits = [e for e in events(tmp_path, Wait) if "propagating" in e.why]
    assert waits, "the loop waited for propagation at least once"
    assert ran["attempts_total"] >= 3  # denied, denied again while propagating, ok
    assert "IAM may still be propagating" in result.stderr


def test_a_denial_that_a_grant_does_not_lift_is_no_progress(tmp_path: Path) -> None:
    # The role trusts only Lambda: an identity grant of sts:AssumeRole cannot help.
    trust = (
        '{\\"Version\\": \\"2012-10-17\\", \\"Statement\\": [{\\"Effect\\": \\"Allow\\",'
        ' \\"Principal\\": {\\"Service\\": \\"lambda.amazonaws.com\\"},'
        ' \\"Action\\": \\"sts:AssumeRole\\"}]}'
    )
    locked = "arn:aws:iam::123456789012:role/locked"
    create = f"{AWS} iam create-role --role-name locked --assume-role-policy-document '{trust}'"
    assume = (
        f"{AWS} sts assume-role --role-arn arn:aws:iam::123456789012:role/locked"
        " --role-session-name probe"
    )
    # the step's own role, outside any stack or service name: allowed by name
    guard = f'[guard]\nallow = ["iam:CreateRole on {locked}", "sts:AssumeRole on {locked}"]'
    result = run_steps(
        tmp_path, ("assume", f"{create}; {assume}"), head=f"[loop]\nmax_attempts = 6\n{guard}"
    )
    assert result.exit_code == 1, result.output
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["steps"][0]["actions"] == ["iam:CreateRole", "sts:AssumeRole"]
    # both denials of attempt 1 are granted at once; attempt 2 is denied again: no progress
    assert summary["attempts_total"] == 2
    assert "no progress" in summary["reason"] and "sts:AssumeRole" in summary["reason"]
    flagged = {f["action"] for f in summary["flags"]}
    assert "sts:AssumeRole" in flagged

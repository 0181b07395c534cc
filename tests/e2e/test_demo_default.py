"""`make demo` as a user runs it: the playground with the default strategy, `predict`.

Issue 10's goal: a handful of attempts, not fifty, with the policy proven by a clean
replay in a fresh account and the update path (the rehearsal) included.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import read_json, run_autofix
from tests.e2e.conftest import copy_playground
from tests.support.never_widens import widening_problems

pytestmark = pytest.mark.e2e


def test_the_default_strategy_takes_a_handful_of_attempts(tmp_path: Path) -> None:
    directory = copy_playground(tmp_path / "serverless-demo")
    result = run_autofix("run", "--config", str(directory / "autofix.toml"), timeout=1500)
    assert result.exit_code == 0, result.output[-3000:]
    summary = read_json(directory / ".autofix" / "summary.json")
    assert summary["strategy"] == "predict"
    assert summary["verified"] is True
    steps = {s["name"]: s for s in summary["steps"]}
    assert list(steps) == ["deploy-dev", "deploy-dev (update)", "deploy-production", "remove-dev"]
    assert summary["attempts_total"] <= 5, [(s["name"], s["attempts"]) for s in summary["steps"]]
    assert steps["deploy-dev"]["attempts"] == 1  # the template and the profile predicted it all
    policy = read_json(directory / ".autofix" / "policy.json")
    actions = {
        a
        for st in policy["Statement"]
        for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    }
    assert {"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"} <= actions
    assert "+ predict · granted lambda:CreateFunction" in result.stderr
    assert widening_problems(directory / ".autofix") == []  # issue 22

"""The corpus: real-world Serverless services deployed and removed on the embedded sandbox.

Each service (playground/corpus/<service>) runs once; the tests then check what a user
relies on: every step succeeded, the policy holds the actions a real account demands for
the service's resources (cited from AWS documentation in its expected.toml, never read back
from the sandbox), the verify replay in a fresh sandbox passed, and whatever the sandbox
could not check is named, exactly as the service's allow-list expects, with why.
Deselected by default (`-m corpus`: `make corpus`), except the `corpus_sample` services.
"""

from __future__ import annotations

import pytest

from tests.corpus.conftest import CorpusRun
from tests.corpus.expectations import covers, load_expected
from tests.support.never_widens import widening_problems

pytestmark = [pytest.mark.e2e, pytest.mark.corpus]


def test_every_step_succeeds(corpus_run: CorpusRun) -> None:
    assert corpus_run.result.exit_code == 0, corpus_run.result.output[-4000:]
    summary = corpus_run.summary
    assert summary["ok"] is True
    assert [s["name"] for s in summary["steps"]] == [
        "deploy-dev",
        "deploy-dev (update)",
        "remove-dev",
    ]
    assert all(s["ok"] for s in summary["steps"])


def test_policy_has_the_key_actions_a_real_account_demands(corpus_run: CorpusRun) -> None:
    summary = corpus_run.summary
    region, account = summary["region"], summary["account_id"]
    missing = [
        f"{key.action}" + (f" on {key.resource}" if key.resource else "") + f" ({key.why})"
        for key in load_expected(corpus_run.service).actions
        if not covers(corpus_run.policy, key, region, account)
    ]
    assert not missing, "missing from the final policy:\n  " + "\n  ".join(missing)


def test_policy_replays_in_a_fresh_sandbox(corpus_run: CorpusRun) -> None:
    assert corpus_run.summary["verified"] is True, corpus_run.result.output[-2000:]


def test_unverified_names_exactly_what_cannot_be_checked(corpus_run: CorpusRun) -> None:
    reported = corpus_run.summary.get("unverified", [])
    for entry in reported:
        assert entry.get("why"), f"unverified without a reason: {entry}"
    allowed = {(u.type, u.logical_id) for u in load_expected(corpus_run.service).unverified}
    assert {(e["type"], e["logical_id"]) for e in reported} == allowed


def test_no_merged_statement_or_pattern_widens(corpus_run: CorpusRun) -> None:
    """Issue 22: every statement allows only what a grant did; no pattern cuts a name."""
    assert widening_problems(corpus_run.out) == []

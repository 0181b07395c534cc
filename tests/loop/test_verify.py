"""Verified success through the CLI: the final policy must replay in a fresh sandbox.

The step needs one more action only in a replay (`[verify] env` sets REPLAY there),
as a fresh account needs what the discovery account already had.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autofix.config import parse_config
from autofix.errors import ConfigError
from autofix.records.events import AttemptStart, GrantAdded, VerifyRoundEnd
from autofix.wiring import unverified_reason, verify_environment
from tests.conftest import AWS, events_of, ledger_events, read_json, run_autofix, write_config

STEP = (
    f"{AWS} sns create-topic --name orders"
    ' && if [ -n \\"$REPLAY\\" ]; then'
    " {AWS} ssm put-parameter --name /jobs/replayed --value x --type String"
    ' && echo \\"$REPLAY_ID\\" >> replay-ids.txt; fi'
).replace("{AWS}", AWS)


def config_with(tmp_path: Path, verify: str) -> Path:
    return write_config(
        tmp_path,
        f"""
        {verify}
        [[steps]]
        name = "publish"
        run = "{STEP}"
        """,
    )


def test_a_replay_that_fails_is_repaired_in_the_verify_pass(tmp_path: Path) -> None:
    config = config_with(tmp_path, '[verify]\nenv = { REPLAY = "yes", REPLAY_ID = "r{run}" }')
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 0, result.output
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["verified"] is True and summary["verification"] == "replayed"
    # discovery: 2 attempts; the replay that had to grant: 2; the clean replay: 1
    assert summary["attempts_total"] == 4 and summary["verify_replays"] == 3
    assert summary["steps"][0]["actions"] == ["sns:CreateTopic", "ssm:PutParameter"]
    events = ledger_events(tmp_path / ".autofix" / "ledger.jsonl")
    grants = [(e.action, e.phase) for e in events if isinstance(e, GrantAdded)]
    assert grants == [("sns:CreateTopic", "discover"), ("ssm:PutParameter", "verify")]
    rounds = [(e.ok, e.granted) for e in events if isinstance(e, VerifyRoundEnd)]
    assert rounds == [(True, ["ssm:PutParameter"]), (True, [])]
    policy = read_json(tmp_path / ".autofix" / "policy.json")
    assert "ssm:PutParameter" in {a for s in policy["Statement"] for a in s["Action"]}
    # [verify] env reached the steps of both replays (not discovery's), {run} a fresh id each
    ids = (tmp_path / "replay-ids.txt").read_text().split()
    assert len(ids) == 2 and len(set(ids)) == 2
    assert all(i.startswith("r") and "{run}" not in i for i in ids)
    replay = tmp_path / ".autofix" / "verify" / "verify-1" / "ledger.jsonl"
    assert len(events_of(replay, AttemptStart)) == 2
    assert "verify · " in result.stderr and "replayed cleanly" in result.stderr


def test_replays_that_keep_needing_grants_fail_the_run(tmp_path: Path) -> None:
    config = config_with(tmp_path, '[verify]\nrounds = 1\nenv = { REPLAY = "x" }')
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 1, result.output
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["ok"] is False and summary["verified"] is False
    assert summary["verification"].startswith("failed: 1 replays")
    assert "ssm:PutParameter" in summary["reason"]
    assert "every step succeeded" not in result.stderr
    assert "stopped: failed: 1 replays" in result.stderr


def test_no_verify_says_the_result_is_unverified(tmp_path: Path) -> None:
    config = config_with(tmp_path, "")
    result = run_autofix("run", "--strategy", "trial", "--config", str(config), "--no-verify")
    assert result.exit_code == 0, result.output
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["verified"] is False
    assert summary["verification"] == "skipped (--no-verify)"
    assert "unverified: skipped (--no-verify)" in result.stderr
    assert not (tmp_path / ".autofix" / "verify").exists()


def test_verify_table_is_parsed() -> None:
    steps = [{"name": "a", "run": "true"}]
    default = parse_config({"steps": steps}, Path("."))
    assert default.verify.rounds == 3 and dict(default.verify.env) == {}
    config = parse_config(
        {"steps": steps, "verify": {"rounds": 2, "env": {"STAGE": "verify-{run}"}}}, Path(".")
    )
    assert config.verify.rounds == 2 and dict(config.verify.env) == {"STAGE": "verify-{run}"}
    assert verify_environment(config.verify.env, "ab12") == {"STAGE": "verify-ab12"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"rounds": 0}, "verify.rounds: must be a positive integer"),
        ({"env": {"AWS_PROFILE": "x"}}, "verify.env: AWS_PROFILE: AWS credentials"),
        ({"env": ["STAGE"]}, "verify.env: must be a table of strings"),
        ({"stage": "x"}, "verify.stage: unknown key"),
    ],
)
def test_bad_verify_table_is_a_config_error(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"steps": [{"name": "a", "run": "true"}], "verify": table}, Path("."))


def test_when_the_policy_cannot_be_replayed_the_run_says_why() -> None:
    """No fresh account to replay in: the run says so instead of calling itself verified."""
    steps = [{"name": "a", "run": "true"}]
    aws = {"kind": "aws", "allowed_accounts": ["111122223333"]}
    real = parse_config({"sandbox": aws, "steps": steps}, Path("."))
    why = unverified_reason(real, verify=True)
    assert why is not None and why.startswith("skipped (a real account") and "[verify] env" in why
    fresh_names = parse_config(
        {"sandbox": aws, "verify": {"env": {"STAGE": "v{run}"}}, "steps": steps}, Path(".")
    )
    assert unverified_reason(fresh_names, verify=True) is None
    # managed roles are replayed too: each gets its policy once a step has made it
    roles = parse_config({"principal": {"also_manage": ["role/x"]}, "steps": steps}, Path("."))
    assert unverified_reason(roles, verify=True) is None
    local = parse_config({"steps": steps}, Path("."))
    assert unverified_reason(local, verify=True) is None
    assert unverified_reason(local, verify=False) == "skipped (--no-verify)"

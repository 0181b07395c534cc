"""The coverage reader: the sandbox's tier records (and older unverified ones) per resource and
step, and what `--strict` and `--strict-bounds` make of them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from autofix.records.coverage import (
    StepClock,
    Strictness,
    read_coverage,
    read_verify_coverage,
    with_coverage,
)
from autofix.records.events import StepStart
from autofix.records.outcome import ResourceTier, RunOutcome, Unverified
from autofix.sandbox.records import SandboxRecords

T0 = "2026-12-06T10:00:0{}+00:00"


def _write(path: Path, *lines: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def _line(second: int, logical_id: str, tier: str, operation: str = "create", **more: Any) -> Any:
    return {
        "time": T0.format(second),
        "type": more.pop("type", "AWS::KMS::Key"),
        "logical_id": logical_id,
        "stack": "billing",
        "operation": operation,
        "tier": tier,
        "bound_actions": more.pop("bound_actions", []),
        "why": more.pop("why", f"{tier} why"),
    }


def _clock(*starts: tuple[int, str]) -> StepClock:
    return StepClock((_epoch(T0.format(s)), name) for s, name in starts)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_each_resource_and_step_gets_its_weakest_tier(tmp_path: Path) -> None:
    records = SandboxRecords(tmp_path)
    _write(
        records.coverage,
        _line(1, "Key", "schema-bound", bound_actions=["kms:CreateKey", "kms:TagResource"]),
        _line(2, "Queue", "checked", type="AWS::SQS::Queue"),
        _line(6, "Key", "schema-bound", "update", bound_actions=["kms:UpdateKeyDescription"]),
        _line(6, "Queue", "checked", "update", type="AWS::SQS::Queue"),
    )
    # the older record: the queue's body was not imported (a rule checked it, not its methods)
    _write(
        records.unverified,
        {
            "time": T0.format(7),
            "type": "AWS::SQS::Queue",
            "logical_id": "Queue",
            "stack": "billing",
            "why": "only partly checked",
        },
    )
    found = read_coverage(tmp_path, _clock((0, "deploy"), (5, "update")))

    assert [(r.logical_id, r.step, r.tier, r.operations) for r in found] == [
        ("Key", "deploy", "schema-bound", ("create",)),
        ("Queue", "deploy", "checked", ("create",)),
        ("Key", "update", "schema-bound", ("update",)),
        ("Queue", "update", "unverified", ("update",)),
    ]
    assert found[0].bound_actions == ("kms:CreateKey", "kms:TagResource")
    assert found[3].why == "only partly checked"  # the weaker claim's reason


def test_an_old_directory_has_only_unverified_records(tmp_path: Path) -> None:
    _write(
        SandboxRecords(tmp_path).unverified,
        {"time": T0.format(3), "type": "Custom::Hook", "logical_id": "Hook", "why": "custom"},
        {"not": "a record"},
    )
    (SandboxRecords(tmp_path).unverified).open("a").write('{"torn": ')
    [hook] = read_coverage(tmp_path, _clock((0, "deploy")))
    assert (hook.type, hook.tier, hook.step, hook.why) == (
        "Custom::Hook",
        "unverified",
        "deploy",
        "custom",
    )


def test_records_before_the_run_started_are_not_its_own(tmp_path: Path) -> None:
    _write(
        SandboxRecords(tmp_path).coverage, _line(1, "Old", "checked"), _line(8, "New", "checked")
    )
    found = read_coverage(tmp_path, _clock((0, "deploy")), since=_epoch(T0.format(5)))
    assert [r.logical_id for r in found] == ["New"]


def test_the_verify_replays_are_read_with_their_own_ledgers(tmp_path: Path) -> None:
    verify = tmp_path / "verify"
    for label, step_second in (("verify-1", 0), ("verify-2", 4)):
        _write(
            verify / label / "ledger.jsonl",
            {
                "event": StepStart.kind,
                "schema": 2,
                "ts": T0.format(step_second).replace("+00:00", "Z"),
                "run": label,
                "step": "deploy",
                "index": 1,
                "of": 1,
                "command": "deploy",
            },
        )
    _write(SandboxRecords(verify / "verify-1").coverage, _line(1, "Key", "schema-bound"))
    _write(SandboxRecords(verify / "verify-2").coverage, _line(5, "Key", "schema-bound"))
    (verify / "pruned").mkdir()  # the pruned replay's policy files only
    [key] = read_verify_coverage(verify, since=0.0)
    assert (key.logical_id, key.step, key.tier) == ("Key", "deploy", "schema-bound")
    assert read_verify_coverage(tmp_path / "nothing", since=0.0) == ()


OK = RunOutcome(ok=True, exit_code=0, steps=(), attempts_total=1, seconds=1.0)
HOOK = ResourceTier("Custom::Hook", "Hook", "app", "deploy", "unverified", why="custom")
KEY = ResourceTier("AWS::KMS::Key", "Key", "app", "deploy", "schema-bound", ("kms:CreateKey",))
QUEUE = ResourceTier("AWS::SQS::Queue", "Queue", "app", "deploy", "checked")


def test_the_outcome_lists_every_tier_and_keeps_unverified_as_it_was() -> None:
    listed = with_coverage(OK, (QUEUE, KEY, HOOK), (KEY,), Strictness())
    assert listed.ok and listed.resources == (QUEUE, KEY, HOOK)
    assert listed.unverified == (Unverified("Custom::Hook", "Hook", "deploy", "custom", "app"),)
    summary = listed.to_summary()
    assert summary["unverified"] == [
        {"type": "Custom::Hook", "logical_id": "Hook", "step": "deploy", "why": "custom"}
    ]
    assert summary["resources"][1] == {
        "type": "AWS::KMS::Key",
        "logical_id": "Key",
        "stack": "app",
        "step": "deploy",
        "tier": "schema-bound",
        "bound_actions": ["kms:CreateKey"],
        "why": "",
        "operations": [],
    }
    assert [r["logical_id"] for r in summary["verify_resources"]] == ["Key"]


def test_strict_fails_on_unverified_and_strict_bounds_on_schema_bound_too() -> None:
    assert with_coverage(OK, (QUEUE, KEY), (), Strictness(unverified=True)).ok
    bounds = with_coverage(OK, (QUEUE, KEY), (), Strictness(schema_bound=True))
    assert (bounds.ok, bounds.exit_code) == (False, 1)
    assert bounds.reason is not None and bounds.reason.startswith("--strict-bounds: 1 resource")
    # the verify pass's resources count too
    replayed = with_coverage(OK, (QUEUE,), (HOOK,), Strictness(unverified=True))
    assert (replayed.ok, replayed.exit_code) == (False, 1)
    assert with_coverage(OK, (QUEUE,), (), Strictness(True, True)).ok


def test_a_failed_run_keeps_its_own_reason() -> None:
    failed = RunOutcome(ok=False, exit_code=3, steps=(), attempts_total=1, seconds=1.0, reason="x")
    after = with_coverage(failed, (HOOK,), (), Strictness(True, True))
    assert (after.exit_code, after.reason, after.resources) == (3, "x", (HOOK,))

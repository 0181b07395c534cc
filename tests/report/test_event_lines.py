"""Reading ledger lines back as typed events: the rules every reader shares."""

from __future__ import annotations

import json
from pathlib import Path

from autofix.records.event_lines import last_run, parse_line, parse_record, read_lines
from autofix.records.events import DISCOVER, VERIFY, GrantAdded, RunStart, StepStart, Wait
from autofix.report.load import load_run
from tests.report.outdirs import DEPLOYER, LedgerWriter, allow, write_out_dir

GRANT = {
    "event": "grant_added",
    "schema": 2,
    "ts": "2026-11-28T10:00:00Z",
    "run": "r1",
    "step": "deploy",
    "attempt": 1,
    "action": "sns:CreateTopic",
    "resource": "*",
    "new": True,
    "phase": VERIFY,
}


def test_a_schema_2_line_is_its_event_with_its_envelope() -> None:
    line = parse_line(json.dumps(GRANT))
    assert line is not None
    assert (line.ts, line.run, line.schema) == ("2026-11-28T10:00:00Z", "r1", 2)
    assert line.event == GrantAdded(
        step="deploy", attempt=1, action="sns:CreateTopic", resource="*", new=True, phase=VERIFY
    )


def test_unknown_fields_are_ignored_and_missing_or_mistyped_ones_make_the_line_unreadable() -> None:
    assert parse_record({**GRANT, "colour": "blue"}) == parse_record(GRANT)
    for field in ("step", "attempt", "action", "new"):
        assert parse_record({k: v for k, v in GRANT.items() if k != field}) is None, field
    for field, wrong in (("attempt", "1"), ("attempt", True), ("new", 1), ("resource", None)):
        assert parse_record({**GRANT, field: wrong}) is None, (field, wrong)
    assert parse_record({**GRANT, "note": None, "principal": DEPLOYER}) is not None
    assert parse_record({"event": "wait", "seconds": 3, "why": "x"}) == parse_record(
        {"event": "wait", "seconds": 3.0, "why": "x"}
    )
    assert parse_record({"event": "run_start", "steps": ["a", 1], "deployer": "d"}) is None
    assert parse_line("[1, 2]") is None and parse_line('{"event": "grant_ad') is None


def test_a_schema_1_line_is_the_discovery_pass_and_may_carry_its_command_under_run() -> None:
    old = {"event": "wait", "ts": "t", "run": "r1", "seconds": 2.0, "why": "propagation"}
    line = parse_record(old)
    assert line is not None and line.schema == 1 and line.run == "r1"
    assert line.event == Wait(seconds=2.0, why="propagation", phase=DISCOVER)
    earliest = {"event": "step_start", "run": "sls deploy", "step": "d", "index": 1, "of": 1}
    line = parse_record(earliest)
    assert line is not None and line.run is None
    assert line.event == StepStart(step="d", index=1, of=1, command="sls deploy")
    # schema 2 has no such rule: a step_start without its command is unreadable
    assert parse_record({**earliest, "schema": 2}) is None


def test_a_ledger_file_counts_unreadable_lines_but_not_unknown_kinds(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    start = {"event": "run_start", "run": "r2", "steps": [], "deployer": "d", "start_actions": []}
    lines = [
        json.dumps({**start, "run": "r1"}),
        json.dumps(GRANT),
        json.dumps({"event": "from_the_future", "step": "deploy"}),
        "",
        json.dumps({"event": "grant_added", "action": "x"}),
        json.dumps(start),
        json.dumps({"not": "an event"}),
        '{"event": "attempt_st',
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    read, skipped = read_lines(path)
    assert skipped == 3
    assert [type(line.event) for line in read] == [RunStart, GrantAdded, RunStart]
    assert [line.run for line in last_run(read)] == ["r2"]


def test_the_report_reads_the_earliest_ledgers_command(tmp_path: Path) -> None:
    ledger = LedgerWriter().add("run_start", steps=["deploy"], deployer=DEPLOYER, start_actions=[])
    ledger.lines.append(
        {"event": "step_start", "run": "sls deploy", "step": "deploy"}
        | {"index": 1, "of": 1, "ts": "2026-11-28T10:00:01.000000Z"}
    )
    ledger.attempt("deploy", 1, 1, 0, 0.5)
    run = load_run(write_out_dir(tmp_path / "out", ledger, None, allow()))
    assert run.run_id == "feedc0ffee00" and run.deployer == DEPLOYER
    assert [(s.name, s.command, s.status) for s in run.steps] == [
        ("deploy", "sls deploy", "unfinished")
    ]
    assert run.notes == (
        "summary.json is missing: the run did not finish; rebuilt from the ledger",
    )

"""Sweeps across sittings: --resume keeps earlier rows with the commit each was measured
on, --redo-failed sweeps failures again, --shard splits the types; no stack runs here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import sweep
from scripts.cfn_sweep import catalog, document

REPO = Path(__file__).resolve().parents[2]


def _row(resource_type: str, good: bool, **extra: Any) -> dict[str, Any]:
    return {
        "type": resource_type,
        "converged": good,
        "verified": good,
        "attempts": 3,
        "tier": "checked",
        "star_demands": [],
        "star_grants": [],
        "reason": None if good else "no progress: (x:Y)",
        "stage": "group" if good else "alone",
        "stack": "sweep-0001",
        "stack_types": 1,
        "seconds": 1.0,
    } | extra


def _earlier(tmp_path: Path) -> Path:
    path = tmp_path / "earlier.json"
    rows = [
        _row("AWS::SQS::Queue", True),
        _row("AWS::SNS::Topic", False),
        _row("AWS::Logs::LogGroup", False, stage="error"),
        _row("AWS::S3::Bucket", True, commit="abc1234"),
    ]
    path.write_text(
        json.dumps({"date": "2026-12-01", "commit": "old0000", "seconds": 60, "types": rows})
    )
    return path


def test_resume_keeps_rows_with_their_commit_and_sweeps_the_rest(tmp_path: Path) -> None:
    targets = [
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
        "AWS::Lambda::Function",
    ]
    kept = document.Sweep(None, REPO, targets, 12, 5)
    kept.keep([document.read(_earlier(tmp_path))], redo_failed=False)
    assert kept.todo() == ["AWS::Logs::LogGroup", "AWS::Lambda::Function"]
    commits = {r["type"]: r["commit"] for r in kept.document()["types"]}
    assert commits == {
        "AWS::SQS::Queue": "old0000",
        "AWS::SNS::Topic": "old0000",
        "AWS::S3::Bucket": "abc1234",
    }
    redo = document.Sweep(None, REPO, targets, 12, 5)
    redo.keep([document.read(_earlier(tmp_path))], redo_failed=True)
    assert redo.todo() == ["AWS::SNS::Topic", "AWS::Logs::LogGroup", "AWS::Lambda::Function"]


def test_new_rows_carry_this_commit_and_the_sittings_add_up(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    targets = ["AWS::SQS::Queue", "AWS::SNS::Topic"]
    now = document.Sweep(out, REPO, targets, 12, 2, commit="new1111")
    now.keep([document.read(_earlier(tmp_path))], redo_failed=True)
    now.add([_row("AWS::SNS::Topic", True)], seconds=30.0)
    written = json.loads(out.read_text())
    assert [r["type"] for r in written["types"]][:2] == targets
    assert {r["type"]: r["commit"] for r in written["types"]}["AWS::SNS::Topic"] == "new1111"
    assert written["commit"] == "new1111" and written["seconds"] == 90.0
    assert [s["commit"] for s in written["sittings"]] == ["old0000", "new1111"]
    assert written["skipped"] == []


def test_a_stopped_sweeps_records_resume_as_unknown_commit(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(_row("AWS::SQS::Queue", True)) + "\n")
    assert document.read(path)["types"][0]["commit"] == "unknown"


def test_shards_split_the_types_without_overlap() -> None:
    parts = []
    for index in (1, 2, 3):
        args = sweep._parser().parse_args(["--all", "--spread", "--shard", f"{index}/3"])
        targets = sweep._targets(args, catalog.swept_types())
        assert isinstance(targets, list)
        parts.append(targets)
    assert sorted(t for part in parts for t in part) == sorted(catalog.swept_types())
    assert len(set(parts[0]) & set(parts[1])) == 0


def test_resuming_a_finished_sweep_writes_its_table_without_sweeping(tmp_path: Path) -> None:
    out, md = tmp_path / "out.json", tmp_path / "sweep.md"
    code = sweep.main(
        [
            "--types",
            "AWS::SQS::Queue,AWS::S3::Bucket",
            "--resume",
            str(_earlier(tmp_path)),
            "--json",
            str(out),
            "--markdown",
            str(md),
        ]
    )
    assert code == 0
    assert [r["type"] for r in json.loads(out.read_text())["types"]][:2] == [
        "AWS::SQS::Queue",
        "AWS::S3::Bucket",
    ]
    text = md.read_text()
    assert "| `AWS::S3::Bucket` | yes | yes |" in text and "`abc1234`" in text


@pytest.mark.parametrize("content", ["not json", '{"types": [1]}', '{"no": "types"}'])
def test_an_unreadable_resume_is_one_line_and_exit_2(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert sweep.main(["--types", "AWS::SQS::Queue", "--resume", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sweep.py: cannot read a sweep from") and err.count("\n") == 1


def test_a_bad_shard_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        sweep.main(["--all", "--shard", "4/3"])
    assert stop.value.code == 2
    assert "need 1 <= I <= N" in capsys.readouterr().err


def test_redone_failures_are_swept_alone_the_rest_shared(tmp_path: Path) -> None:
    """An earlier sitting's failures each get a stack of their own; new types share."""
    from scripts.cfn_sweep.outcome import TypeRecord
    from scripts.cfn_sweep.sweeper import Sweeper

    seen: list[list[str]] = []

    class Recording(Sweeper):
        def group(self, types: Any) -> list[TypeRecord]:
            seen.append(list(types))
            return []

    redo = document.Sweep(None, REPO, ["AWS::SNS::Topic", "A::B::C", "A::B::D", "A::B::E"], 2, 4)
    failed = redo.keep([document.read(_earlier(tmp_path))], redo_failed=True)
    assert failed == {"AWS::SNS::Topic"}
    Recording(tmp_path / "work").sweep(redo.todo(), per_stack=2, workers=1, alone=failed)
    assert seen == [["AWS::SNS::Topic"], ["A::B::C", "A::B::D"], ["A::B::E"]]


def test_culprits_found_in_a_sitting_are_remembered_in_its_work_directory(
    tmp_path: Path,
) -> None:
    from scripts.cfn_sweep.sweeper import Sweeper, known_culprits

    sweeper = Sweeper(tmp_path)
    assert known_culprits(tmp_path) == set()
    sweeper._remember({"A::B::C", "A::B::D"})
    sweeper._remember({"A::B::E"})
    assert known_culprits(tmp_path) == {"A::B::C", "A::B::D", "A::B::E"}


def test_a_stack_failing_with_no_culprit_named_is_split_in_halves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure nobody can pin (a timeout, say) halves the stack; what converges is
    recorded from the half it converged in, never from the stack that failed."""
    from scripts.cfn_sweep import admin, stack
    from scripts.cfn_sweep.sweeper import Sweeper

    def run(config: Path, timeout: float = 0) -> stack.RunFiles:
        size = len(json.loads((config.parent / "deploy.json").read_text())["Resources"])
        return stack.RunFiles(1 if size >= 4 else 0, 1.0, "timed out", {}, (), {})

    monkeypatch.setattr(stack, "run_autofix", run)
    monkeypatch.setattr(admin, "check", lambda directory, name: admin.AdminCheck(True, (), ""))
    types = [
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
        "AWS::ECR::Repository",
    ]
    found = Sweeper(tmp_path, log=lambda line: None).group(types)
    assert sorted(r.type for r in found) == sorted(types)
    assert all(r.converged and r.stage == "group" and r.stack_types <= 3 for r in found)


@pytest.mark.parametrize(
    ("resource_type", "cannot"),
    [("AWS::CloudFormation::Stack", True), ("AWS::SQS::Queue", False)],
)
def test_a_type_aws_cannot_sweep_says_why_when_the_administrator_fails_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resource_type: str, cannot: bool
) -> None:
    """A nested stack needs its template in S3 before the deploy: its record says so (from
    the override file's `cannot`), with the administrator's failure beside it; a type
    with no such entry keeps autofix's own reason."""
    from scripts.cfn_sweep import admin, overrides, stack
    from scripts.cfn_sweep.sweeper import Sweeper

    def run(config: Path, timeout: float = 0) -> stack.RunFiles:  # names an action or not
        reason = "refused by the safety guard: s3:GetObject on *" if cannot else "failed"
        return stack.RunFiles(1, 1.0, reason, {"reason": reason}, (), {})

    failure = admin.Failure("deploy", "X", "CREATE_FAILED", "TemplateURL must reference ...")
    monkeypatch.setattr(stack, "run_autofix", run)
    monkeypatch.setattr(
        admin, "check", lambda directory, name: admin.AdminCheck(False, (failure,), "")
    )
    [record] = Sweeper(tmp_path, log=lambda line: None).alone(resource_type)
    assert record.admin == "deploy: X CREATE_FAILED: TemplateURL must reference ..."
    if cannot:
        assert record.reason == f"cannot be swept: {overrides.cannot(resource_type)}"
        assert "S3" in (record.reason or "")
    else:
        assert overrides.cannot(resource_type) is None
        assert not (record.reason or "").startswith("cannot be swept")

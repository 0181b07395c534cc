"""`autofix report OUT_DIR`, run as a user runs it, on real runs and hand-made edge cases."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from autofix.records.events import CommandExit, DenialFound, GrantAdded
from tests.conftest import ledger_events, read_json, run_autofix

from .conftest import RealRuns
from .outdirs import DEPLOYER, LedgerWriter, allow, write_out_dir


def json_report(directory: Path) -> dict[str, Any]:
    result = run_autofix("report", str(directory), "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def assert_one_line_error(result: Any, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autofix: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


# -- real runs ---------------------------------------------------------------------------


def test_default_writes_markdown_and_html_beside_the_run(real_runs: RealRuns) -> None:
    out = real_runs.first
    result = run_autofix("report", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [str(out / "report.md"), str(out / "report.html")]
    summary = read_json(out / "summary.json")
    markdown = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert markdown.startswith("# autofix report: SUCCEEDED")
    for step in summary["steps"]:
        assert f". {step['name']}: ok" in markdown
        assert f'data-step="{step["name"]}"' in html
        positions = [markdown.index(f"`{a}`") for a in step["actions"]]
        assert positions == sorted(positions), "actions must keep the order they were found"
        for action in step["actions"]:
            assert f'data-action="{action}"' in html
    policy = json.dumps(read_json(out / "policy.json"), indent=2)
    assert policy in markdown


def test_each_action_carries_the_denial_that_proved_it(real_runs: RealRuns) -> None:
    out = real_runs.first
    events = ledger_events(out / "ledger.jsonl")
    report = json_report(out)
    summary = read_json(out / "summary.json")
    assert [s["name"] for s in report["steps"]] == [s["name"] for s in summary["steps"]]
    assert report["verdict"] == "succeeded" and report["ok"] is True
    assert report["attempts_total"] == summary["attempts_total"] == 5
    for step, expected in zip(report["steps"], summary["steps"], strict=True):
        assert [a["action"] for a in step["actions"]] == expected["actions"]
        for action in step["actions"]:
            grant = next(
                e
                for e in events
                if isinstance(e, GrantAdded)
                and e.step == step["name"]
                and e.action == action["action"]
            )
            denial = next(
                e
                for e in events
                if isinstance(e, DenialFound)
                and e.step == step["name"]
                and e.action == action["action"]
            )
            assert action["attempt"] == grant.attempt == denial.attempt
            assert action["evidence"] == denial.evidence
            assert action["source"] == denial.source == "output"
            assert action["action"] in action["evidence"]
        exits = [e for e in events if isinstance(e, CommandExit) and e.step == step["name"]]
        assert [a["seconds"] for a in step["attempt_log"]] == [e.seconds for e in exits]
        assert len(step["attempt_log"]) == expected["attempts"]
        # the last attempt succeeded and found nothing; every earlier one found an action
        assert step["attempt_log"][-1]["exit_code"] == 0
        assert all(a["found"] for a in step["attempt_log"][:-1])


def test_html_escapes_markup_from_commands_and_denials(real_runs: RealRuns) -> None:
    out = real_runs.first
    run_autofix("report", str(out), "--format", "html")
    html = (out / "report.html").read_text(encoding="utf-8")
    # the params command carries <b>blue</b> (markup in denial evidence: see the
    # hand-made failed-step case below; the sandbox's denials no longer carry XML bodies)
    assert "&lt;b&gt;blue&lt;/b&gt;" in html and "<b>blue</b>" not in html
    assert_self_contained(html)


def assert_self_contained(html: str) -> None:
    """One file that needs nothing else: no script, no external fetch."""

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[tuple[str, dict[str, str | None]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append((tag, dict(attrs)))

    parser = Collect()
    parser.feed(html)
    names = {tag for tag, _ in parser.tags}
    assert "script" not in names and "link" not in names and "img" not in names
    assert "style" in names
    for _, attrs in parser.tags:
        assert "src" not in attrs
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href


# -- hand-made edge cases ------------------------------------------------------------------


def test_interrupted_run_shows_what_was_done_and_what_was_not(tmp_path: Path) -> None:
    ledger = (
        LedgerWriter()
        .add("run_start", steps=["build", "deploy", "smoke"], deployer=DEPLOYER, start_actions=[])
        .add("step_start", step="build", index=1, of=3, command="make build")
        .attempt("build", 1, 1, 255, 1.25)
        .denied("build", 1, "s3:ListBucket")
        .add("grant_added", step="build", attempt=1, action="s3:ListBucket", resource="*", new=True)
        .attempt("build", 2, 2, 0, 0.5)
        .add("step_ok", step="build", attempts=2, actions=["s3:ListBucket"])
        .add("step_start", step="deploy", index=2, of=3, command="make deploy")
        .attempt("deploy", 1, 3, 255, 2.0)
        .denied("deploy", 1, "sns:CreateTopic")
        .add(
            "grant_added",
            step="deploy",
            attempt=1,
            action="sns:CreateTopic",
            resource="*",
            new=True,
        )
        .add("attempt_start", step="deploy", attempt=2, total=4)
        .add("run_interrupted", attempts_total=4)
    )
    summary = {
        "ok": False,
        "exit_code": 130,
        "attempts_total": 4,
        "seconds": 9.5,
        "reason": "interrupted",
        "steps": [
            {
                "name": "build",
                "ok": True,
                "attempts": 2,
                "seconds": 2.0,
                "actions": ["s3:ListBucket"],
            }
        ],
        "flags": [],
    }
    out = write_out_dir(
        tmp_path / "out", ledger, summary, allow("s3:ListBucket", "sns:CreateTopic")
    )
    report = json_report(out)
    assert report["verdict"] == "interrupted" and report["exit_code"] == 130
    assert [(s["name"], s["status"]) for s in report["steps"]] == [
        ("build", "ok"),
        ("deploy", "interrupted"),
        ("smoke", "not reached"),
    ]
    deploy = report["steps"][1]
    assert [a["action"] for a in deploy["actions"]] == ["sns:CreateTopic"]
    assert deploy["attempt_log"][0]["found"] == ["sns:CreateTopic"]
    assert deploy["attempt_log"][1]["seconds"] is None  # the attempt that was cut short
    result = run_autofix("report", str(out))
    assert result.exit_code == 0, result.output
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# autofix report: INTERRUPTED")
    assert "### 3. smoke: not reached" in markdown


def test_killed_run_with_a_torn_last_line_is_rebuilt_from_the_ledger(tmp_path: Path) -> None:
    ledger = (
        LedgerWriter()
        .add("run_start", steps=["deploy"], deployer=DEPLOYER, start_actions=[])
        .add("step_start", step="deploy", index=1, of=1, command="sls deploy")
        .attempt("deploy", 1, 1, 1, 3.5)
        .denied("deploy", 1, "cloudformation:DescribeStacks")
        .add(
            "grant_added",
            step="deploy",
            attempt=1,
            action="cloudformation:DescribeStacks",
            resource="*",
            new=True,
        )
    )
    torn = ledger.text() + '{"run": "feedc0ffee00", "step": "deploy", "atte'
    out = write_out_dir(tmp_path / "out", torn, None, allow("cloudformation:DescribeStacks"))
    report = json_report(out)
    assert report["verdict"] == "unfinished" and report["exit_code"] is None
    assert report["steps"][0]["status"] == "unfinished"
    assert report["actions"] == ["cloudformation:DescribeStacks"]
    assert any("summary.json is missing" in n for n in report["notes"])
    assert any("skipped 1 unreadable ledger line" in n for n in report["notes"])


def test_failed_step_shows_the_denial_a_grant_cannot_fix(tmp_path: Path) -> None:
    scp = (
        f"User: {DEPLOYER} is not authorized to perform: iam:CreateRole on resource: "
        f"arn:aws:iam::123456789012:role/app with an explicit deny in a service control policy"
    )
    ledger = (
        LedgerWriter()
        .add("run_start", steps=["deploy"], deployer=DEPLOYER, start_actions=[])
        .add("step_start", step="deploy", index=1, of=1, command="sls deploy")
        .attempt("deploy", 1, 1, 1, 2.0)
        .denied("deploy", 1, "iam:CreateRole", deny="scp", fixable=False, evidence=scp)
        .add(
            "step_failed",
            step="deploy",
            attempts=1,
            reason="explicit deny",
            exit_code=1,
            tail="Error: CREATE_FAILED <Role>",
        )
        .add("run_end", ok=False, exit_code=1, attempts_total=1, reason="explicit deny", actions=[])
    )
    summary = {
        "ok": False,
        "exit_code": 1,
        "attempts_total": 1,
        "seconds": 2.5,
        "reason": "iam:CreateRole is denied by an explicit deny (scp); a grant cannot fix that",
        "steps": [
            {
                "name": "deploy",
                "ok": False,
                "attempts": 1,
                "seconds": 2.4,
                "actions": [],
                "reason": "iam:CreateRole is denied by an explicit deny (scp)",
            }
        ],
        "flags": [{"action": "iam:PassRole", "resource": "*", "why": "can pass any role <x>"}],
    }
    out = write_out_dir(tmp_path / "out", ledger, summary, allow())
    assert run_autofix("report", str(out)).exit_code == 0
    markdown = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert markdown.startswith("# autofix report: FAILED")
    assert "Denials left unresolved" in markdown and "service control policy" in markdown
    assert "Denials left unresolved" in html and "Error: CREATE_FAILED &lt;Role&gt;" in html
    # the flag is listed with its reason, escaped
    assert "`iam:PassRole`" in markdown and "can pass any role \\<x\\>" in markdown
    assert "can pass any role &lt;x&gt;" in html


def test_a_flag_reads_as_its_risk_and_what_needed_it(tmp_path: Path) -> None:
    flag = {
        "action": "iam:PassRole",
        "resource": "arn:aws:iam::123456789012:role/svc-*",
        "risk": "passes a role to a service",
        "needed_for": "denied in step deploy",
    }
    ledger = LedgerWriter().add("run_start", steps=["deploy"], deployer=DEPLOYER, start_actions=[])
    summary = {"ok": True, "exit_code": 0, "attempts_total": 1, "steps": [], "flags": [flag]}
    out = write_out_dir(tmp_path / "out", ledger, summary, allow())
    assert run_autofix("report", str(out)).exit_code == 0
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "passes a role to a service. Needed for: denied in step deploy." in markdown
    assert "risk:" not in markdown and "needed_for" not in markdown


def test_unknown_events_and_fields_are_ignored(tmp_path: Path) -> None:
    ledger = (
        LedgerWriter()
        .add("run_start", steps=["s"], deployer=DEPLOYER, start_actions=[], future_field=[1, 2])
        .add("guard_flag", step="s", action="iam:PassRole", why="later feature")
        .add("step_start", step="s", index=1, of=1, command="true", colour="blue")
        .attempt("s", 1, 1, 0, 0.1)
        .add("grant_note", step="s", attempt=1, note={"nested": True})
        .add("step_ok", step="s", attempts=1, actions=[], granted_after_success=[])
        .add("run_end", ok=True, exit_code=0, attempts_total=1, reason=None, actions=[])
    )
    ledger.lines.append({"not": "an event"})  # a JSON line that is no event at all
    out = write_out_dir(tmp_path / "out", ledger, None, allow())
    report = json_report(out)
    assert report["verdict"] == "succeeded"
    assert [(s["name"], s["status"], s["actions"]) for s in report["steps"]] == [("s", "ok", [])]


def test_markdown_tables_survive_pipes_and_backticks(tmp_path: Path) -> None:
    nasty = "denied | `cmd` `` here"
    ledger = (
        LedgerWriter()
        .add("run_start", steps=["s|1"], deployer=DEPLOYER, start_actions=[])
        .add("step_start", step="s|1", index=1, of=1, command="x")
        .attempt("s|1", 1, 1, 1, 0.2)
        .denied("s|1", 1, "sns:Publish", evidence=nasty)
        .add("grant_added", step="s|1", attempt=1, action="sns:Publish", resource="*", new=True)
    )
    out = write_out_dir(tmp_path / "out", ledger)
    result = run_autofix("report", str(out), "--format", "markdown", "-o", "-")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("| 1 | `sns"))
    # five cells: every pipe inside a cell is escaped
    assert row.replace("\\|", "").count("|") == 6
    assert "``" in row and "\\|" in row


def test_output_file_takes_its_format_from_the_suffix(real_runs: RealRuns, tmp_path: Path) -> None:
    target = tmp_path / "ledger-report.html"
    result = run_autofix("report", str(real_runs.first), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = run_autofix("report", str(real_runs.first), "-o", str(tmp_path / "r.txt"))
    assert_one_line_error(bad, "--format")


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    assert_one_line_error(run_autofix("report", str(tmp_path / "nope")), "no such directory")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run_autofix("report", str(empty)), "not an autofix output directory")
    broken = write_out_dir(tmp_path / "broken", LedgerWriter().add("run_start", steps=[]))
    (broken / "summary.json").write_text("{not json", encoding="utf-8")
    assert_one_line_error(run_autofix("report", str(broken)), "summary.json", "not valid JSON")
    listed = write_out_dir(tmp_path / "listed", None, None, None)
    (listed / "summary.json").write_text("[]", encoding="utf-8")
    assert_one_line_error(run_autofix("report", str(listed)), "not a run summary")


def test_empty_run_and_a_lone_policy_still_report(tmp_path: Path) -> None:
    ledger = (
        LedgerWriter()
        .add("run_start", steps=[], deployer=DEPLOYER, start_actions=[])
        .add("run_end", ok=True, exit_code=0, attempts_total=0, reason=None, actions=[])
    )
    summary = {
        "ok": True,
        "exit_code": 0,
        "attempts_total": 0,
        "seconds": 0.1,
        "reason": None,
        "steps": [],
        "flags": [],
    }
    empty = write_out_dir(tmp_path / "empty", ledger, summary, allow())
    assert run_autofix("report", str(empty)).exit_code == 0
    assert "No step was recorded." in (empty / "report.md").read_text(encoding="utf-8")
    assert "No step was recorded." in (empty / "report.html").read_text(encoding="utf-8")

    lone = write_out_dir(tmp_path / "lone", None, None, allow("sns:Publish"))
    report = json_report(lone)
    assert report["verdict"] == "unfinished" and report["steps"] == []
    assert report["policy"] == allow("sns:Publish")
    assert any("ledger.jsonl is missing" in n for n in report["notes"])


def test_attempt_start_times_and_the_verify_pass_are_read_from_the_ledger(
    tmp_path: Path,
) -> None:
    ledger = (
        LedgerWriter()  # one line per second
        .add("run_start", steps=["deploy"], deployer=DEPLOYER, start_actions=[])
        .add("step_start", step="deploy", index=1, of=1, command="sls deploy")
        .attempt("deploy", 1, 1, 1, 0.5)
        .denied("deploy", 1, "sns:CreateTopic")
        .add(
            "grant_added",
            step="deploy",
            attempt=1,
            action="sns:CreateTopic",
            resource="*",
            new=True,
        )
        .attempt("deploy", 2, 2, 0, 0.5)
        .add("step_ok", step="deploy", attempts=2, actions=["sns:CreateTopic"])
        .add("verify_start", actions=1)
        .add("verify_ok", pruned=["sns:ListTopics"])
    )
    out = write_out_dir(tmp_path / "out", ledger, None, allow("sns:CreateTopic"))
    report = json_report(out)
    attempts = report["steps"][0]["attempt_log"]
    assert [a["started_at"] for a in attempts] == [2.0, 6.0]
    assert report["verify"] == {
        "ok": True,
        "started_at": 9.0,
        "seconds": 1.0,
        "pruned": ["sns:ListTopics"],
    }
    html = run_autofix("report", str(out), "--format", "html", "-o", "-").stdout
    assert 'class="verify-ok"' in html and "pruned sns:ListTopics" in html

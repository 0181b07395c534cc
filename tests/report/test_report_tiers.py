"""The report's Resources section: each resource's tier, from a summary of today, of old (only
`unverified`), or from the ledger alone when the run left no summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import run_autofix

from .outdirs import DEPLOYER, LedgerWriter, allow, write_out_dir


def _summary(**more: Any) -> dict[str, Any]:
    return {
        "ok": True,
        "exit_code": 0,
        "attempts_total": 1,
        "seconds": 1.0,
        "reason": None,
        "steps": [{"name": "deploy", "ok": True, "attempts": 1, "seconds": 1.0, "actions": []}],
        "flags": [],
        **more,
    }


def _ledger() -> LedgerWriter:
    return (
        LedgerWriter()
        .add("run_start", steps=["deploy"], deployer=DEPLOYER, start_actions=[])
        .add("step_start", step="deploy", index=1, of=1, command="deploy")
        .attempt("deploy", 1, 1, 0, 1.0)
        .add("step_ok", step="deploy", attempts=1, actions=[])
    )


def _reports(directory: Path) -> tuple[str, str, dict[str, Any]]:
    result = run_autofix("report", str(directory))
    assert result.exit_code == 0, result.output
    as_json = run_autofix("report", str(directory), "--format", "json", "-o", "-")
    assert as_json.exit_code == 0, as_json.output
    markdown = (directory / "report.md").read_text(encoding="utf-8")
    html = (directory / "report.html").read_text(encoding="utf-8")
    return markdown, html, json.loads(as_json.stdout)


KEY = {
    "type": "AWS::KMS::Key",
    "logical_id": "Key",
    "stack": "ledger",
    "step": "deploy",
    "tier": "schema-bound",
    "bound_actions": ["kms:CreateKey", "kms:PutKeyPolicy"],
    "why": "the provider schema's whole handler list was demanded",
    "operations": ["create"],
}
QUEUE = {**KEY, "type": "AWS::SQS::Queue", "logical_id": "Queue", "tier": "checked"}
QUEUE.update(bound_actions=[], why="a rule")


def test_every_tier_is_shown_with_the_bound_actions(tmp_path: Path) -> None:
    hook = {**QUEUE, "type": "Custom::Hook", "logical_id": "Hook", "tier": "unverified"}
    hook["why"] = "custom resource: its provider function's calls are not checked"
    out = write_out_dir(
        tmp_path / "out",
        _ledger(),
        _summary(resources=[QUEUE, KEY, hook], verify_resources=[KEY]),
        allow("kms:CreateKey"),
    )
    markdown, html, report = _reports(out)

    assert "| Resources | 1 checked · 1 schema-bound · 1 unverified |" in markdown
    assert "| deploy | `Key` | `AWS::KMS::Key` | schema-bound | kms:CreateKey, " in markdown
    assert "| `Hook` | `Custom::Hook` | unverified | custom resource: its provider" in markdown
    assert markdown.count("`AWS::KMS::Key`") == 2, "discovery's and the verify pass's"
    assert '<tr data-tier="schema-bound">' in html and "kms:PutKeyPolicy" in html
    assert [r["tier"] for r in report["resources"]] == ["checked", "schema-bound", "unverified"]
    assert report["verify_resources"][0]["bound_actions"] == ["kms:CreateKey", "kms:PutKeyPolicy"]


def test_an_old_summary_lists_its_unverified_resources(tmp_path: Path) -> None:
    old = {"type": "Custom::Hook", "logical_id": "Hook", "step": "deploy", "why": "custom"}
    out = write_out_dir(tmp_path / "old", _ledger(), _summary(unverified=[old]), allow())
    markdown, _, report = _reports(out)
    assert "| deploy | `Hook` | `Custom::Hook` | unverified | custom |" in markdown
    assert [(r["logical_id"], r["tier"]) for r in report["resources"]] == [("Hook", "unverified")]


def test_a_run_without_summary_takes_them_from_its_ledger(tmp_path: Path) -> None:
    ledger = _ledger().add(
        "resource_unverified",
        type="Custom::Hook",
        logical_id="Hook",
        step="deploy",
        why="custom",
        stack="app",
    )
    out = write_out_dir(tmp_path / "killed", ledger, None, allow())
    _, _, report = _reports(out)
    assert [(r["logical_id"], r["stack"], r["tier"]) for r in report["resources"]] == [
        ("Hook", "app", "unverified")
    ]


def test_none_recorded_is_said_and_bad_entries_are_skipped(tmp_path: Path) -> None:
    bad = [{"type": "AWS::SQS::Queue"}, "not an entry", {**KEY, "bound_actions": "kms:x"}]
    out = write_out_dir(tmp_path / "bad", _ledger(), _summary(resources=bad), allow())
    markdown, _, report = _reports(out)
    assert [r["bound_actions"] for r in report["resources"]] == [[]]
    none = write_out_dir(tmp_path / "none", _ledger(), _summary(), allow())
    markdown, html, _ = _reports(none)
    assert "No resource was recorded" in markdown and "No resource was recorded" in html

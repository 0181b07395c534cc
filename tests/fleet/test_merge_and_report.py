"""fleet.json from output directories alone, the pages, and merge-policy within IAM's limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autofix.fleet.discover import Service
from autofix.fleet.merge import describe, merge_policies, write_merged
from autofix.fleet.pages import render_html, render_markdown
from autofix.fleet.report import FleetReport, find_service_dirs, read_service, write_service_marks
from autofix.policy import actions_catalog
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.limits import LIMITS, size_of
from tests.conftest import read_json, run_autofix

ACCOUNT = "123456789012"


def run_dir(
    root: Path, name: str, grants: list[Grant], ok: bool = True, saved: list[Grant] | None = None
) -> Path:
    """An output directory as `autofix run` and the fleet leave it."""
    out = root / name
    out.mkdir(parents=True)
    write_service_marks(out, Service(name, Path(f"services/{name}/autofix.toml")))
    write_service_marks(out, Service(name, Path("x")), exit_code=0 if ok else 1)
    (out / "policy.json").write_text(PolicyDocument(tuple(grants)).dumps())
    if saved is not None:
        (out / "saved-policy.json").write_text(PolicyDocument(tuple(saved)).dumps())
    summary: dict[str, Any] = {
        "ok": ok,
        "exit_code": 0 if ok else 1,
        "attempts_total": 3,
        "seconds": 12.5,
        "reason": None if ok else "step deploy failed",
        "verified": ok,
        "unverified": [{"type": "Custom::Thing", "logical_id": "Thing", "step": "d", "why": "x"}],
        "resources": [{"type": "AWS::SQS::Queue", "logical_id": "Q", "tier": "schema-bound"}],
        "verify_resources": [],
    }
    (out / "summary.json").write_text(json.dumps(summary))
    return out


def topic(name: str) -> str:
    return f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}"


def test_a_service_record_comes_from_its_directory(tmp_path: Path) -> None:
    out = run_dir(
        tmp_path,
        "api",
        [Grant("sns:CreateTopic", topic("a-*")), Grant("sns:TagResource", topic("a-*"))],
        saved=[Grant("sns:CreateTopic", topic("a-*"))],
    )
    record = read_service(out, tmp_path)
    assert (record.name, record.out_dir) == ("api", "api")
    assert record.config == "services/api/autofix.toml"
    assert (record.state, record.ok, record.verified, record.exit_code) == ("ok", True, True, 0)
    assert record.actions == ("sns:CreateTopic", "sns:TagResource")
    assert record.new_actions == ("sns:TagResource",)
    assert record.unverified == ("Custom::Thing Thing",)
    assert record.schema_bound == ("AWS::SQS::Queue Q",)


def test_pages_link_each_service_and_say_what_failed(tmp_path: Path) -> None:
    run_dir(tmp_path, "api", [Grant("sns:CreateTopic", topic("a"))])
    run_dir(tmp_path, "jobs/nightly", [Grant("sns:CreateTopic", topic("b"))], ok=False)
    (tmp_path / "api" / "report.html").write_text("<p>api</p>")
    dirs = find_service_dirs([tmp_path])
    report = FleetReport(tuple(read_service(d, tmp_path) for d in dirs), "run")
    assert not report.ok
    markdown = render_markdown(report, tmp_path)
    assert "| [api](api/report.html) | ok |" in markdown
    assert "[jobs/nightly](jobs/nightly/summary.json) | failed (exit 1)" in markdown
    assert "step deploy failed" in markdown
    page = render_html(report, tmp_path)
    assert '<a href="api/report.html">api</a>' in page and 'class="bad"' in page


def test_fleet_report_command_writes_the_step_summary(tmp_path: Path) -> None:
    run_dir(tmp_path / "out", "api", [Grant("sns:CreateTopic", topic("a"))])
    summary = tmp_path / "step-summary.md"
    summary.write_text("before\n")
    result = run_autofix(
        "fleet", "report", str(tmp_path / "out"), env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert result.exit_code == 0, result.output
    assert summary.read_text().startswith("before\n# autofix fleet: 1 of 1 services ok")
    fleet = read_json(tmp_path / "out" / "fleet.json")
    assert fleet["ok"] and fleet["services"][0]["name"] == "api"
    run_dir(tmp_path / "out", "bad", [], ok=False)
    assert run_autofix("fleet", "report", str(tmp_path / "out")).exit_code == 1


def test_merge_deduplicates_and_collapses(tmp_path: Path) -> None:
    shared = Grant("sns:CreateTopic", topic("*"))
    run_dir(tmp_path, "a", [shared, Grant("sns:GetTopicAttributes", topic("*"))])
    run_dir(tmp_path, "b", [shared, Grant("sns:CreateTopic", topic("b-*"))])
    run_dir(tmp_path, "c", [Grant("sns:DeleteTopic", topic("*"))], ok=False)
    merged = merge_policies([tmp_path], collapse=False)
    assert merged.services == ("a", "b")
    assert merged.skipped == (("c", "its run did not succeed (failed)"),)
    assert sorted(merged.document.grants, key=lambda g: g.action) == [
        Grant("sns:CreateTopic", topic("*")),  # b's narrower grant is covered by it
        Grant("sns:GetTopicAttributes", topic("*")),
    ]
    assert len(merged.parts) == 1 and merged.error is None


def many_grants(prefix: str, count: int) -> list[Grant]:
    """Real write actions, each on its own resource (nothing to deduplicate or collapse)."""
    writes = sorted(
        info.name
        for info in (actions_catalog.lookup(a) for a in actions_catalog.expand("ec2:*"))
        if info is not None and info.is_write
    )
    return [
        Grant(writes[i % len(writes)], f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{prefix}-{i}")
        for i in range(count)
    ]


def test_merge_splits_into_managed_policies_within_the_limit(tmp_path: Path) -> None:
    run_dir(tmp_path, "a", many_grants("a", 60))
    run_dir(tmp_path, "b", many_grants("b", 60))
    merged = merge_policies([tmp_path])
    assert merged.size > LIMITS["managed"] and merged.error is None
    assert 1 < len(merged.parts) <= 10
    assert all(size_of(part) <= LIMITS["managed"] for part in merged.parts)
    together = {g for part in merged.parts for g in part.compacted().grants}
    assert together == set(merged.document.compacted().grants), "no grant lost in the split"
    written = write_merged(merged, tmp_path / "merged.json")
    assert [p.name for p in written[1:]] == [
        f"merged.part-{i}.json" for i in range(1, len(merged.parts) + 1)
    ]
    assert f"it needs {len(merged.parts)} managed policies" in "\n".join(describe(merged, written))


def test_merge_says_plainly_when_it_cannot_fit(tmp_path: Path) -> None:
    run_dir(tmp_path / "out", "huge", many_grants("h", 900))
    result = run_autofix(
        "fleet", "merge-policy", str(tmp_path / "out"), "-o", str(tmp_path / "merged.json")
    )
    assert result.exit_code == 1, result.output
    assert "it cannot fit:" in result.stdout and "only 10 can be attached" in result.stdout
    assert "Traceback" not in result.output
    inline = run_autofix(
        "fleet", "merge-policy", str(tmp_path / "out"), "--target", "role-inline",
        "-o", str(tmp_path / "inline.json"),
    )  # fmt: skip
    assert inline.exit_code == 1 and "over the 10240 allowed for role-inline" in inline.stdout

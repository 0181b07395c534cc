"""A run that touches a resource the sandbox cannot check says so; `--strict` fails it."""

from __future__ import annotations

from pathlib import Path

from autofix.records.events import ResourceUnverified
from tests.conftest import events_of, read_json
from tests.loop.scaffold import (
    CLOUDFORMATION_ANYWHERE,
    create_stack,
    run_steps,
    start_policy,
    template,
)

DETECTOR = {
    "Type": "AWS::CloudWatch::AnomalyDetector",  # its provider schema names no handlers
    "Properties": {"MetricName": "Errors", "Namespace": "app", "Stat": "Sum"},
}


def test_an_uncovered_type_is_listed_and_strict_fails_the_run(tmp_path: Path) -> None:
    start_policy(tmp_path, CLOUDFORMATION_ANYWHERE)
    stack = create_stack("watch", template(tmp_path, {"Detector": DETECTOR}))
    result = run_steps(tmp_path, ("alarms", stack), start=True, options=("--no-verify", "--strict"))

    assert result.exit_code == 1, result.output
    assert "--strict: 1 resource(s) the sandbox could not check" in result.output
    assert (
        "AWS::CloudWatch::AnomalyDetector (1): unverified: not checked (Detector in alarms)"
        in result.output
    )
    out = tmp_path / ".autofix"
    summary = read_json(out / "summary.json")
    [entry] = summary["unverified"]
    assert entry["type"] == "AWS::CloudWatch::AnomalyDetector"
    assert (entry["logical_id"], entry["step"]) == ("Detector", "alarms")
    assert "no permission rule" in entry["why"]
    assert summary["ok"] is False and summary["exit_code"] == 1
    [resource] = summary["resources"]
    assert resource["tier"] == "unverified" and resource["operations"] == ["create"]
    assert (resource["logical_id"], resource["stack"], resource["step"]) == (
        "Detector",
        "watch",
        "alarms",
    )
    logged = events_of(out / "ledger.jsonl", ResourceUnverified)
    assert [(e.logical_id, e.stack) for e in logged] == [("Detector", "watch")]

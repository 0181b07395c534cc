"""A run that touches a resource the sandbox cannot check says so; `--strict` fails it."""

from __future__ import annotations

import json
from pathlib import Path

from autofix.records.events import ResourceUnverified
from tests.conftest import AWS, events_of, read_json, run_autofix, write_config

DETECTOR = {
    "Type": "AWS::CloudWatch::AnomalyDetector",  # its provider schema names no handlers
    "Properties": {"MetricName": "Errors", "Namespace": "app", "Stat": "Sum"},
}


def test_an_uncovered_type_is_listed_and_strict_fails_the_run(tmp_path: Path) -> None:
    template = tmp_path / "template.json"
    template.write_text(json.dumps({"Resources": {"Detector": DETECTOR}}))
    start = {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"}
    (tmp_path / "start.json").write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [start]})
    )
    run = (
        f"{AWS} cloudformation create-stack --stack-name watch --template-body file://{template}"
        f" && {AWS} cloudformation wait stack-create-complete --stack-name watch"
    )
    config = write_config(
        tmp_path,
        f"""
        [policy]
        start = "start.json"
        [[steps]]
        name = "alarms"
        run = "{run}"
        """,
    )
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(config), "--no-verify", "--strict"
    )

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

"""Each grant a CloudFormation handler's demand proved is marked rule or schema in the ledger."""

from __future__ import annotations

import json
from pathlib import Path

from autofix.records.events import GrantDemand
from tests.conftest import AWS, events_of, run_autofix, write_config

TOPIC = "arn:aws:sns:us-east-1:123456789012:orders"


def test_grants_are_marked_by_the_tier_of_their_demand(tmp_path: Path) -> None:
    resources = {
        "Query": {  # no rule: its provider schema's handler list
            "Type": "AWS::Logs::QueryDefinition",
            "Properties": {"Name": "errors", "QueryString": "fields @message"},
        },
        "TopicPolicy": {  # a property-aware rule
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {"Topics": [TOPIC], "PolicyDocument": {"Statement": []}},
        },
    }
    template = tmp_path / "template.json"
    template.write_text(json.dumps({"Resources": resources}))
    start = {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"}
    (tmp_path / "start.json").write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [start]})
    )
    run = (
        f"{AWS} cloudformation create-stack --stack-name marks --template-body file://{template}"
        f" && {AWS} cloudformation wait stack-create-complete --stack-name marks"
    )
    config = write_config(
        tmp_path,
        f"""
        [policy]
        start = "start.json"
        [[steps]]
        name = "stack"
        run = "{run}"
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config), "--no-verify")
    assert result.exit_code == 0, result.output
    marks = {e.action: e for e in events_of(tmp_path / ".autofix" / "ledger.jsonl", GrantDemand)}
    assert marks["logs:PutQueryDefinition"].demand == "schema"
    assert marks["logs:PutQueryDefinition"].resource == "*"
    assert marks["sns:SetTopicAttributes"].demand == "rule"
    assert marks["sns:SetTopicAttributes"].resource == TOPIC

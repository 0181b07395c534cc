"""Each grant a CloudFormation handler's demand proved is marked rule or schema in the ledger."""

from __future__ import annotations

from pathlib import Path

from autofix.records.events import GrantDemand
from tests.loop.scaffold import (
    CLOUDFORMATION_ANYWHERE,
    create_stack,
    events,
    run_steps,
    start_policy,
    template,
)

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
    start_policy(tmp_path, CLOUDFORMATION_ANYWHERE)
    stack = create_stack("marks", template(tmp_path, resources))
    result = run_steps(tmp_path, ("stack", stack), start=True, options=("--no-verify",))
    assert result.exit_code == 0, result.output
    marks = {e.action: e for e in events(tmp_path, GrantDemand)}
    assert marks["logs:PutQueryDefinition"].demand == "schema"
    assert marks["logs:PutQueryDefinition"].resource == "*"
    assert marks["sns:SetTopicAttributes"].demand == "rule"
    assert marks["sns:SetTopicAttributes"].resource == TOPIC

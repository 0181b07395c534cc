"""An update of a deployed stack predicted as its change set: creates, updates, replacements."""

from __future__ import annotations

from typing import Any

from autofix.policy.arn_formats import Place as ArnPlace
from autofix.predict.changes import predict_changes
from autofix.predict.template import Place

PLACE = Place("shop", ArnPlace("123456789012", "us-east-1"))


def _queue(**props: Any) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": props}


def _calls(deployed: dict[str, Any], template: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (g.call.logical_id, g.call.operation, r.action)
        for g in predict_changes({"Resources": deployed}, {"Resources": template}, PLACE)
        for r in g.requirements
    }


def test_a_changed_resource_is_predicted_its_update_handler_with_what_changed() -> None:
    before = {"Q": _queue(QueueName="q", VisibilityTimeout=30)}
    after = {"Q": _queue(QueueName="q", VisibilityTimeout=60, Tags=[{"Key": "a", "Value": "b"}])}
    calls = _calls(before, after)
    assert ("Q", "update", "sqs:SetQueueAttributes") in calls
    assert ("Q", "update", "sqs:TagQueue") in calls  # the old properties had no tags
    assert not {c for c in calls if c[1] != "update"}


def test_an_unchanged_resource_calls_no_handler_and_a_new_one_its_create() -> None:
    before = {"Q": _queue(QueueName="q")}
    after = {"Q": _queue(QueueName="q"), "New": _queue(QueueName="n")}
    calls = _calls(before, after)
    assert {c[0] for c in calls} == {"New"}
    assert ("New", "create", "sqs:CreateQueue") in calls


def test_a_create_only_change_replaces_and_what_refers_to_it_is_updated() -> None:
    topic = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}}
    before = {"Q": _queue(QueueName="q"), "T": topic}
    renamed = {"Q": _queue(QueueName="q2")}  # QueueName is create-only: a new queue
    after = {
        **renamed,
        "T": {**topic, "Properties": {"TopicName": "t", "DisplayName": {"Ref": "Q"}}},
    }
    calls = _calls(before, after)
    assert ("Q", "create", "sqs:CreateQueue") in calls
    assert ("Q", "delete", "sqs:DeleteQueue") in calls
    assert ("T", "update", "sns:SetTopicAttributes") in calls
    refers = {
        "Q": _queue(QueueName="q"),
        "T": {**topic, "Properties": {"TopicName": "t", "DisplayName": {"Ref": "Q"}}},
    }
    moved = {**refers, "Q": _queue(QueueName="q3")}
    assert ("T", "update", "sns:SetTopicAttributes") in _calls(refers, moved)

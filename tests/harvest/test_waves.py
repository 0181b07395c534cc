"""Independent resources fail together: one attempt reports every denied one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from autofix.account.session import Operator
from autofix.account.stacks import stacks_touched
from autofix.harvest.stack_events import from_stack_events
from autofix.sandbox.cloudformation.waves import creation_waves
from tests.harvest.conftest import User, unique


def three_independent_one_dependent(suffix: str) -> dict[str, object]:
    return {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"q-{suffix}"}},
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"t-{suffix}"}},
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": f"/{suffix}"}},
            "Param": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": {"Ref": "Topic"}},
            },
        }
    }


def test_waves_follow_refs_getatt_sub_and_depends_on() -> None:
    resources = {
        "A": {"Type": "X"},
        "B": {"Type": "X", "Properties": {"P": {"Fn::GetAtt": ["A", "Arn"]}}},
        "C": {"Type": "X", "Properties": {"P": {"Fn::Sub": "${B.Arn}-${AWS::Region}-${!Lit}"}}},
        "D": {"Type": "X", "DependsOn": "A"},
        "E": {"Type": "X", "Properties": {"P": {"Fn::Sub": ["${x}", {"x": {"Ref": "D"}}]}}},
        "F": {"Type": "X"},
    }
    assert creation_waves(resources, list(resources)) == [["A", "F"], ["B", "D"], ["C", "E"]]


def test_every_denied_resource_of_a_wave_fails_in_one_attempt(
    make_user: Callable[[list[str]], User], operator: Operator
) -> None:
    user = make_user(["cloudformation:*", "sqs:*"])
    cfn = user.client("cloudformation")
    name = unique("wave")
    since = datetime.now(UTC) - timedelta(seconds=1)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(three_independent_one_dependent(name)))

    events = [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason") or "")
        for e in reversed(cfn.describe_stack_events(StackName=name)["StackEvents"])
    ]
    failed = {e[0] for e in events if e[1] == "CREATE_FAILED"}
    assert failed == {"Topic", "Logs"}
    # the allowed resource of the same wave was created, then rolled back
    queue = [e[1] for e in events if e[0] == "Queue"]
    assert "CREATE_COMPLETE" in queue and queue[-1] == "DELETE_COMPLETE"
    # the next wave never started
    assert not [e for e in events if e[0] == "Param"]
    rollback = next(e[2] for e in events if e[1] == "ROLLBACK_IN_PROGRESS")
    assert rollback.startswith("The following resource(s) failed to create: [Topic, Logs]. ")

    ops = operator.client("cloudformation")
    denials = from_stack_events(ops, stacks_touched(ops, since, ()), since)
    actions = {d.action for d in denials if d.principal == user.arn}
    assert {"sns:CreateTopic", "logs:CreateLogGroup"} <= actions
    assert {d.source for d in denials} == {"stack-events"}

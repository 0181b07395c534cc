"""A failed update rolls the stack's parameters back even when the stack was created with
none given (its defaults): the next update with the same new values is a change again, and
the resources reading them are updated. Before, the failed update's values stayed, the next
change set saw nothing to do, and a rehearsal's retry skipped (and never checked) them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled

TEMPLATE = {
    "Parameters": {
        "Timeout": {"Type": "String", "Default": "30"},
        "Kind": {"Type": "String", "Default": "String"},
    },
    "Resources": {
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"VisibilityTimeout": {"Ref": "Timeout"}},
        },
        "Setting": {
            "Type": "AWS::SSM::Parameter",
            "DependsOn": "Queue",
            "Properties": {"Name": "/rollback/setting", "Type": {"Ref": "Kind"}, "Value": "x"},
        },
    },
    "Outputs": {"Queue": {"Value": {"Ref": "Queue"}}},
}


def _update(cfn: Any, **values: str) -> dict[str, Any]:
    cfn.update_stack(
        StackName="rollback-params",
        TemplateBody=json.dumps(TEMPLATE),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
    )
    return settled(cfn, "rollback-params")


def test_a_failed_update_puts_default_parameters_back(
    operator_client: Callable[[str], Any],
) -> None:
    cfn, sqs = operator_client("cloudformation"), operator_client("sqs")
    cfn.create_stack(StackName="rollback-params", TemplateBody=json.dumps(TEMPLATE))
    stack = settled(cfn, "rollback-params")
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "rollback-params")
    url = stack["Outputs"][0]["OutputValue"]
    failed = _update(cfn, Timeout="60", Kind="NoSuchKind")  # the setting fails: rolled back
    assert failed["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE", failures(cfn, "rollback-params")
    assert _update(cfn, Timeout="60", Kind="String")["StackStatus"] == "UPDATE_COMPLETE"
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "60"
    cfn.delete_stack(StackName="rollback-params")

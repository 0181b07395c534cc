"""Deleting change sets as the Serverless Framework does before each update."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def test_deleting_a_change_set_twice_is_no_error(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    template = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
    cfn.create_change_set(
        StackName="twice", ChangeSetName="next", ChangeSetType="CREATE", TemplateBody=template
    )
    for _ in range(2):
        cfn.delete_change_set(StackName="twice", ChangeSetName="next")
    # the sandbox is shared with other tests, and moto lists every stack's change sets
    listed = cfn.list_change_sets(StackName="twice")["Summaries"]
    assert [c for c in listed if c["StackName"] == "twice"] == []
    cfn.delete_stack(StackName="twice")

"""A name the stack's template gives a resource is the deployment's own even when its create
failed: a rolled-back update leaves the old template and no physical id, so the name is read
from the failed resource's event (`ResourceProperties`, as CloudFormation's events carry)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from autofix.account.stack_names import StackNames
from autofix.account.stacks import StackRef
from autofix.policy.generated import template_explicit_names

OLD_TEMPLATE = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}
ROLE = {"RoleName": "Process-S3-Data-Role", "Path": "/ProcessS3DataIamRole/"}


class _Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self._pages = pages

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return self._pages


class _RolledBackStack:
    """What CloudFormation answers for a stack whose update failed creating a named role."""

    def get_paginator(self, name: str) -> _Pages:
        if name == "list_stack_resources":
            return _Pages([{"StackResourceSummaries": []}])
        events = [
            {
                "LogicalResourceId": "ProcessS3DataIamRole",
                "ResourceType": "AWS::IAM::Role",
                "ResourceStatus": "CREATE_FAILED",
                "ResourceProperties": json.dumps(ROLE),
            },
            {  # an event of another kind carries nothing to read
                "LogicalResourceId": "svc-dev",
                "ResourceType": "AWS::CloudFormation::Stack",
                "ResourceStatus": "UPDATE_ROLLBACK_COMPLETE",
            },
        ]
        return _Pages([{"StackEvents": events}])

    def get_template(self, **_: Any) -> dict[str, Any]:
        return {"TemplateBody": json.dumps(OLD_TEMPLATE)}


def test_a_failed_resource_s_name_is_the_stack_s_own() -> None:
    names = StackNames(_RolledBackStack())
    stack = StackRef(
        "svc-dev", "arn:stack/svc-dev/1", "UPDATE_ROLLBACK_COMPLETE", datetime.now(UTC), None
    )
    names.record([stack])
    assert names.snapshot().is_explicit("Process-S3-Data-Role")


def test_only_literal_names_of_types_that_have_one() -> None:
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "ci-role"}},
            "Sub": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Fn::Sub": "x-${A}"}}},
            "Policy": {  # names the role it writes to, which it does not own
                "Type": "AWS::IAM::RolePolicy",
                "Properties": {"RoleName": "admin", "PolicyName": "p"},
            },
            "Odd": "not a resource",
        }
    }
    names = template_explicit_names(template)
    assert "ci-role" in names
    assert "admin" not in names
    assert not any(isinstance(n, dict) for n in names)

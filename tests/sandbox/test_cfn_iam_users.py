"""A stack's AWS::IAM::User is updated in place unless its name changes, as on AWS."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import botocore.exceptions

from autofix.testing import IamSandbox
from tests.sandbox.stacks import settled


def _template(tags: list[dict[str, str]], path: str = "/") -> str:
    user: dict[str, Any] = {"Type": "AWS::IAM::User", "Properties": {"Path": path}}
    if tags:
        user["Properties"]["Tags"] = tags
    return json.dumps({"Resources": {"Someone": user}})


def _user_name(cfn: Any, stack: str) -> str:
    found = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="Someone")
    return str(found["StackResourceDetail"]["PhysicalResourceId"])


def test_an_update_of_a_users_tags_and_path_keeps_the_user(iam_sandbox: IamSandbox) -> None:
    cfn = iam_sandbox.admin_session().client("cloudformation")
    iam = iam_sandbox.admin_session().client("iam")
    stack = "stack-user-update"
    cfn.create_stack(StackName=stack, TemplateBody=_template([]), Capabilities=["CAPABILITY_IAM"])
    assert settled(cfn, stack, tries=100)["StackStatus"] == "CREATE_COMPLETE"
    name = _user_name(cfn, stack)
    tags = [{"Key": "team", "Value": "blue"}]
    cfn.update_stack(
        StackName=stack, TemplateBody=_template(tags, "/people/"), Capabilities=["CAPABILITY_IAM"]
    )
    assert settled(cfn, stack, tries=100)["StackStatus"] == "UPDATE_COMPLETE"
    assert _user_name(cfn, stack) == name
    user = iam.get_user(UserName=name)["User"]
    assert user["Path"] == "/people/"
    assert iam.list_user_tags(UserName=name)["Tags"] == tags
    cfn.update_stack(StackName=stack, TemplateBody=_template([]), Capabilities=["CAPABILITY_IAM"])
    assert settled(cfn, stack, tries=100)["StackStatus"] == "UPDATE_COMPLETE"
    assert iam.list_user_tags(UserName=name)["Tags"] == []
    cfn.delete_stack(StackName=stack)
    with contextlib.suppress(botocore.exceptions.ClientError):  # gone
        settled(cfn, stack, tries=100)

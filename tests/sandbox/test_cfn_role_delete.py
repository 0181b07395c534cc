"""A stack's role with managed policies is deleted with its stack, as CloudFormation's role
handler deletes it: its managed policies detached, its inline ones deleted, then the role.

moto's role delete removed the inline policies only, and IAM refused the delete
("DeleteConflict: Cannot delete entity, must detach all policies first."): every SAM
function role (AWSLambdaBasicExecutionRole) stayed in the account after `sam delete`, and a
named role's next deploy collided with it (found by playground/services/sam-audit-trail).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from tests.sandbox.stacks import LAMBDA_TRUST, failures, settled

LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def _template(role_name: str) -> dict[str, Any]:
    return {
        "Resources": {
            "WorkerRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": role_name,
                    "AssumeRolePolicyDocument": LAMBDA_TRUST,
                    "ManagedPolicyArns": [LAMBDA_BASIC],
                    "Policies": [
                        {
                            "PolicyName": "read-queue",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "sqs:ReceiveMessage",
                                        "Resource": "*",
                                    }
                                ],
                            },
                        }
                    ],
                },
            }
        }
    }


def test_a_role_with_managed_policies_goes_with_its_stack_and_its_name_is_free_again(
    operator_client: Callable[[str], Any],
) -> None:
    cfn, iam = operator_client("cloudformation"), operator_client("iam")
    name = f"role-delete-{uuid.uuid4().hex[:6]}"
    role_name = f"{name}-worker"
    for _ in range(2):  # deploy, delete, deploy again: the name is free once deleted
        cfn.create_stack(
            StackName=name,
            TemplateBody=json.dumps(_template(role_name)),
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
        stack = settled(cfn, name)
        assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, name)
        attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
        assert [p["PolicyArn"] for p in attached] == [LAMBDA_BASIC]
        cfn.delete_stack(StackName=name)
        assert settled(cfn, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
        with pytest.raises(botocore.exceptions.ClientError, match="NoSuchEntity"):
            iam.get_role(RoleName=role_name)

"""The sandbox is as strict as AWS on identity: no credentials for a role that is not there."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ALLOW_ASSUME = [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]


@pytest.mark.parametrize(
    "role_arn",
    [
        "arn:aws:iam::210987654321:role/deploy",  # another account's
        "arn:aws:iam::123456789012:role/no-such-role",  # none at all
    ],
)
def test_assuming_a_role_that_is_not_in_the_account_is_denied(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    role_arn: str,
) -> None:
    _, client = make_user(ALLOW_ASSUME)
    with pytest.raises(ClientError) as denied:
        client("sts").assume_role(RoleArn=role_arn, RoleSessionName="probe")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert f"sts:AssumeRole on resource: {role_arn}" in str(denied.value)


def test_a_role_of_the_account_that_trusts_the_caller_is_assumed(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    user_arn, client = make_user(ALLOW_ASSUME)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}
        ],
    }
    role = operator_client("iam").create_role(
        RoleName=f"trusting-{user_arn.rsplit('/', 1)[-1]}",
        AssumeRolePolicyDocument=json.dumps(trust),
    )["Role"]
    assumed = client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="probe")
    assert assumed["AssumedRoleUser"]["Arn"].endswith(f"/{role['RoleName']}/probe")

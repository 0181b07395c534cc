"""The `iam_sandbox` fixture, used the way a user's own test would use it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from autofix.testing import IamSandbox


def test_a_principal_has_exactly_its_policy(iam_sandbox: IamSandbox) -> None:
    mine = f"arn:aws:sqs:{iam_sandbox.region}:{iam_sandbox.account_id}:plugin-mine-*"
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": mine}],
    }
    user = iam_sandbox.principal(policy)
    sqs = user.client("sqs")
    assert sqs.create_queue(QueueName="plugin-mine-1")["QueueUrl"].endswith("/plugin-mine-1")
    with pytest.raises(ClientError) as denied:
        sqs.create_queue(QueueName="plugin-theirs")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"  # SQS JSON
    [record] = iam_sandbox.denials(user)
    theirs = f"arn:aws:sqs:{iam_sandbox.region}:{iam_sandbox.account_id}:plugin-theirs"
    assert (record.principal, record.action, record.resource) == (
        user.arn,
        "sqs:CreateQueue",
        theirs,
    )
    assert record in iam_sandbox.denials()
    # a second principal is fresh: it has its own policy, not the first one's
    other_policy = json.dumps(policy).replace("plugin-mine-*", "plugin-other-*")
    other = iam_sandbox.principal(other_policy)  # JSON text works too
    assert other.arn != user.arn
    with pytest.raises(ClientError, match="AccessDenied"):
        other.client("sqs").create_queue(QueueName="plugin-mine-2")
    assert [r.action for r in iam_sandbox.denials(other.arn)] == ["sqs:CreateQueue"]


def test_a_principal_without_a_policy_is_denied_everything(iam_sandbox: IamSandbox) -> None:
    nobody = iam_sandbox.principal(None)
    with pytest.raises(ClientError, match="AccessDenied"):
        nobody.resource("s3").create_bucket(Bucket="plugin-nobody")
    identity = nobody.client("sts").get_caller_identity()  # needs no permission, as on AWS
    assert identity["Arn"] == nobody.arn


def test_the_admin_session_may_do_everything(iam_sandbox: IamSandbox) -> None:
    admin = iam_sandbox.admin_session()
    assert admin.region_name == iam_sandbox.region
    admin.client("s3").create_bucket(Bucket="plugin-admin")
    names = [b["Name"] for b in admin.client("s3").list_buckets()["Buckets"]]
    assert "plugin-admin" in names
    before = len(iam_sandbox.denials())
    admin.client("iam").create_role(RoleName="plugin-role", AssumeRolePolicyDocument="{}")
    assert len(iam_sandbox.denials()) == before


def test_env_points_a_cli_at_the_sandbox_as_the_principal(iam_sandbox: IamSandbox) -> None:
    user = iam_sandbox.principal(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sns:CreateTopic", "Resource": "*"}],
        }
    )
    aws = [sys.executable, "-m", "awscli"]
    made = subprocess.run(
        [*aws, "sns", "create-topic", "--name", "plugin-topic"],
        env=user.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert ":plugin-topic" in made.stdout
    listed = subprocess.run(
        [*aws, "sns", "list-topics"], env=user.env(), capture_output=True, text=True, timeout=120
    )
    assert listed.returncode != 0
    assert f"User: {user.arn} is not authorized to perform: sns:ListTopics" in listed.stderr

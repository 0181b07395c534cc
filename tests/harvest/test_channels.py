"""Each channel on the embedded sandbox: nested stacks, change sets, encoded messages, deny log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from autofix.account.session import Operator
from autofix.account.stacks import stacks_touched
from autofix.config import Step
from autofix.denials.model import DenyKind
from autofix.denials.parse import parse_denials
from autofix.harvest.account_log import cloudtrail_log, sandbox_deny_log
from autofix.harvest.collect import Harvester
from autofix.harvest.decode import decode_all
from autofix.harvest.stack_events import from_stack_events
from autofix.sandbox.server import SandboxInfo
from autofix.step.runner import StepResult
from tests.harvest.conftest import User, deny_log_of, unique


def harvested_since(operator: Operator, since: datetime) -> list:  # type: ignore[type-arg]
    cfn = operator.client("cloudformation")
    return from_stack_events(cfn, stacks_touched(cfn, since), since)


def test_a_nested_stack_failure_is_read_from_the_nested_stack(
    make_user: Callable[[list[str]], User], operator: Operator
) -> None:
    name = unique("parent")
    s3 = operator.client("s3")
    s3.create_bucket(Bucket=name)
    child = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}}}
    s3.put_object(Bucket=name, Key="child.json", Body=json.dumps(child).encode())
    parent = {
        "Resources": {
            "Child": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": f"https://{name}.s3.amazonaws.com/child.json"},
            }
        }
    }
    user = make_user(["cloudformation:*", "s3:GetObject"])
    since = datetime.now(UTC) - timedelta(seconds=1)
    user.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(parent))

    cfn = operator.client("cloudformation")
    parent_events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    failed = next(e for e in parent_events if e["ResourceStatus"] == "CREATE_FAILED")
    assert failed["ResourceStatusReason"].startswith("Embedded stack arn:aws:cloudformation:")
    # only the nested stack's own event names the denied action
    assert "sns:CreateTopic" not in failed["ResourceStatusReason"]
    [root] = [s for s in stacks_touched(cfn, since) if s.name == name]
    denials = from_stack_events(cfn, [root], since)
    assert [(d.action, d.principal) for d in denials] == [("sns:CreateTopic", user.arn)]
    assert denials[0].evidence.startswith(f"{name}/Child/Topic CREATE_FAILED")


def test_a_failed_change_set_reason_is_a_denial(
    make_user: Callable[[list[str]], User], operator: Operator
) -> None:
    name = unique("sam")
    user = make_user([])  # its only policy is the one the operator puts below
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}}},
    }
    resource = f"arn:aws:cloudformation:us-east-1:{user.arn.split(':')[4]}:stack/{name}/*"
    user_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "cloudformation:CreateChangeSet", "Resource": resource},
            {"Effect": "Allow", "Action": "cloudformation:Describe*", "Resource": "*"},
        ],
    }
    operator.client("iam").put_user_policy(
        UserName=user.name, PolicyName="p", PolicyDocument=json.dumps(user_policy)
    )
    since = datetime.now(UTC) - timedelta(seconds=1)
    cfn = user.client("cloudformation")
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="cs",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
    )
    described = cfn.describe_change_set(StackName=name, ChangeSetName="cs")
    assert described["Status"] == "FAILED"
    denials = [d for d in harvested_since(operator, since) if d.principal == user.arn]
    assert [(d.action, d.resource) for d in denials] == [
        (
            "cloudformation:CreateChangeSet",
            "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31",
        )
    ]
    assert "change set cs" in denials[0].evidence


def test_an_encoded_ec2_denial_is_decoded_by_the_operator(
    make_user: Callable[[list[str]], User], operator: Operator
) -> None:
    user = make_user(["sts:GetCallerIdentity"])
    with pytest.raises(ClientError) as denied:
        user.client("ec2").create_security_group(GroupName=unique("sg"), Description="d")
    error = denied.value.response["Error"]
    assert error["Code"] == "UnauthorizedOperation"
    assert error["Message"].startswith(
        "You are not authorized to perform this operation. Encoded authorization failure message: "
    )
    # the deployer may not decode it; the operator may
    blob = error["Message"].rsplit(" ", 1)[-1]
    with pytest.raises(ClientError, match="AccessDenied"):
        user.client("sts").decode_authorization_message(EncodedMessage=blob)
    raw = operator.client("sts").decode_authorization_message(EncodedMessage=blob)
    message = json.loads(raw["DecodedMessage"])
    assert set(message) == {"allowed", "explicitDeny", "matchedStatements", "failures", "context"}
    assert message["context"]["principal"]["arn"] == user.arn
    user_id = operator.client("iam").get_user(UserName=user.name)["User"]["UserId"]
    assert message["context"]["principal"]["id"] == user_id
    assert message["context"]["action"] == "ec2:CreateSecurityGroup"

    text = f"An error occurred (UnauthorizedOperation) when calling ...: {error['Message']}"
    parsed = parse_denials(text)
    assert [d.encoded_message for d in parsed] == [blob] and not parsed[0].fixable
    [decoded] = decode_all(operator, parsed)
    assert (decoded.action, decoded.principal, decoded.source) == (
        "ec2:CreateSecurityGroup",
        user.arn,
        "decoded",
    )
    assert decoded.resource == message["context"]["resource"]
    assert decoded.fixable and decoded.deny is DenyKind.IMPLICIT


def test_harvester_merges_output_and_decoded(
    make_user: Callable[[list[str]], User], operator: Operator
) -> None:
    user = make_user([])
    with pytest.raises(ClientError) as denied:
        user.client("ec2").create_security_group(GroupName=unique("sg"), Description="d")
    started = datetime.now(UTC).timestamp() - 1
    output = (
        "An error occurred (UnauthorizedOperation) when calling the CreateSecurityGroup "
        f"operation: {denied.value.response['Error']['Message']}\n"
        "An error occurred (AccessDenied) when calling the ListTopics operation: User: "
        f"{user.arn} is not authorized to perform: SNS:ListTopics on resource: "
        "arn:aws:sns:us-east-1:123456789012:* because no identity-based policy allows the "
        "SNS:ListTopics action\n"
    )
    result = StepResult(exit_code=1, stdout=output, stderr="", duration=0.1, timed_out=False)
    step = Step("s", "true", cwd=Path("."))
    found = Harvester(operator)(step, result, started)
    # (stacks of the other tests in this shared sandbox show up as stack-events)
    assert [(d.action, d.source) for d in found if d.source != "stack-events"] == [
        ("sns:ListTopics", "output"),
        ("ec2:CreateSecurityGroup", "decoded"),
    ]


def test_the_sandbox_deny_log_is_the_local_account_record(
    make_user: Callable[[list[str]], User], hooked_sandbox: SandboxInfo
) -> None:
    user, other = make_user([]), make_user([])
    started = datetime.now(UTC).timestamp() - 1
    for who in (user, other):
        with pytest.raises(ClientError):
            who.client("ssm").describe_parameters()
    read = sandbox_deny_log(deny_log_of(hooked_sandbox), lambda arn: arn == user.arn)
    found = read(started)
    assert [(d.action, d.principal, d.source) for d in found] == [
        ("ssm:DescribeParameters", user.arn, "account-log")
    ]
    assert read(datetime.now(UTC).timestamp() + 5) == []


def _trail_event(principal: str) -> dict[str, object]:
    record = {
        "errorCode": "AccessDenied",
        "errorMessage": f"User: {principal} is not authorized to perform: sns:ListTopics on "
        "resource: arn:aws:sns:us-east-1:123456789012:* because no identity-based policy "
        "allows the sns:ListTopics action",
        "userIdentity": {"arn": principal},
        "eventSource": "sns.amazonaws.com",
        "eventName": "ListTopics",
    }
    return {"EventId": "1", "CloudTrailEvent": json.dumps(record)}


def test_cloudtrail_is_waited_for_with_a_bound_and_says_so() -> None:
    """moto has no working LookupEvents: botocore's Stubber plays CloudTrail's lag."""
    trail = boto3.client(
        "cloudtrail", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    deployer = "arn:aws:iam::123456789012:user/d"
    stub = Stubber(trail)
    stub.add_response("lookup_events", {"Events": []})  # not there yet
    stub.add_response("lookup_events", {"Events": [_trail_event("arn:aws:iam::1:user/other")]})
    stub.add_response("lookup_events", {"Events": [_trail_event(deployer)]})
    waits: list[tuple[float, str]] = []
    read = cloudtrail_log(
        trail, lambda arn: arn == deployer, 5.0, lambda s, why: waits.append((s, why)), 0.05
    )
    with stub:
        found = read(datetime.now(UTC).timestamp() - 60)
    assert [(d.action, d.source) for d in found] == [("sns:ListTopics", "account-log")]
    assert waits == [(5.0, waits[0][1])] and "CloudTrail" in waits[0][1]
    assert "harvest.cloudtrail_wait_seconds" in waits[0][1]

    empty = Stubber(trail)
    for _ in range(50):
        empty.add_response("lookup_events", {"Events": []})
    bounded = cloudtrail_log(trail, lambda arn: True, 0.3, None, 0.05)
    begun = datetime.now(UTC)
    with empty:
        assert bounded(begun.timestamp()) == []
    assert (datetime.now(UTC) - begun).total_seconds() < 3


def test_cloudtrail_tells_the_service_a_stack_role_was_passed_to() -> None:
    """A PassRole denied in CloudFormation's CreateChangeSet (its RoleARN) was a pass to
    CloudFormation; the same text in another request names no service."""
    trail = boto3.client(
        "cloudtrail", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    deployer = "arn:aws:iam::123456789012:user/d"
    role = "arn:aws:iam::123456789012:role/stack-exec"

    def event(source: str, name: str) -> dict[str, object]:
        record = {
            "errorCode": "AccessDenied",
            "errorMessage": f"User: {deployer} is not authorized to perform: iam:PassRole on "
            f"resource: {role}",
            "userIdentity": {"arn": deployer},
            "eventSource": source,
            "eventName": name,
        }
        return {"EventId": name, "CloudTrailEvent": json.dumps(record)}

    stub = Stubber(trail)
    stub.add_response(
        "lookup_events",
        {
            "Events": [
                event("cloudformation.amazonaws.com", "CreateChangeSet"),
                event("lambda.amazonaws.com", "CreateFunction20150331"),
            ]
        },
    )
    with stub:
        found = cloudtrail_log(trail, lambda arn: True, 0)(datetime.now(UTC).timestamp() - 60)
    assert [(d.action, d.resource, d.passed_to) for d in found] == [
        ("iam:PassRole", role, "cloudformation.amazonaws.com"),
        ("iam:PassRole", role, ""),
    ]


def test_an_unnamed_denial_is_named_by_the_account_record(
    make_user: Callable[[list[str]], User],
    operator: Operator,
    hooked_sandbox: SandboxInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A CLI that prints only "AccessDenied" (osls after a DeleteObjects whose objects S3
    answered AccessDenied in a 200) names no action: the account's record does."""
    # the step touched no stack (the shared sandbox's other tests' stacks are not its)
    monkeypatch.setattr("autofix.harvest.collect.stacks_touched", lambda *a: [])
    bucket = unique("artifacts")
    s3 = operator.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="serverless/svc/dev/1/a.zip", Body=b"x")
    user = make_user(["s3:ListBucket"])
    started = datetime.now(UTC).timestamp() - 1
    objects = {"Objects": [{"Key": "serverless/svc/dev/1/a.zip"}]}
    answer = user.client("s3").delete_objects(Bucket=bucket, Delete=objects)
    assert [e["Code"] for e in answer["Errors"]] == ["AccessDenied"]
    output = (
        f"Could not remove deployment artifacts from the S3 deployment bucket ({bucket}). "
        "Make sure that you have permissions that allow S3 objects deletion. First "
        "encountered S3 error code: AccessDenied\n"
    )
    result = StepResult(exit_code=1, stdout=output, stderr="", duration=0.1, timed_out=False)
    log = sandbox_deny_log(deny_log_of(hooked_sandbox), lambda arn: arn == user.arn)
    found = Harvester(operator, account_log=log)(Step("s", "true", cwd=Path(".")), result, started)
    assert [(d.action, d.resource, d.source) for d in found] == [
        ("s3:DeleteObject", f"arn:aws:s3:::{bucket}/serverless/svc/dev/1/a.zip", "account-log")
    ]

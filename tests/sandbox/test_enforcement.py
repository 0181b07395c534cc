"""Against a real EmbeddedSandbox: action names, resource ARNs, wording, envelopes, deny log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from autofix.sandbox.records.deny_log import read_deny_log
from autofix.sandbox.server import SandboxInfo

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]


def denial(call: Callable[[], Any]) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def implicit(user: str, action: str, resource: str) -> str:
    return (
        f"User: {user} is not authorized to perform: {action} on resource: {resource}"
        f" because no identity-based policy allows the {action} action"
    )


@pytest.fixture(scope="module")
def nobody(make_user: MakeUser) -> tuple[str, Callable[[str], Any]]:
    return make_user(None)


def test_real_action_names_and_resources(sandbox: SandboxInfo, nobody: Any) -> None:
    user, client = nobody
    r, a = sandbox.region, sandbox.account_id
    cases: list[tuple[Callable[[], Any], str, str]] = [
        (
            lambda: client("apigateway").create_rest_api(name="x"),
            "apigateway:POST",
            f"arn:aws:apigateway:{r}::/restapis",
        ),
        (
            lambda: client("apigateway").get_rest_api(restApiId="abc"),
            "apigateway:GET",
            f"arn:aws:apigateway:{r}::/restapis/abc",
        ),
        (
            lambda: client("apigatewayv2").create_api(Name="x", ProtocolType="HTTP"),
            "apigateway:POST",
            f"arn:aws:apigateway:{r}::/apis",
        ),
        (
            lambda: client("apigatewayv2").get_routes(ApiId="abc"),
            "apigateway:GET",
            f"arn:aws:apigateway:{r}::/apis/abc/routes",
        ),
        (
            lambda: client("sns").subscribe(
                TopicArn=f"arn:aws:sns:{r}:{a}:t1", Protocol="sqs", Endpoint="arn:x"
            ),
            "sns:Subscribe",
            f"arn:aws:sns:{r}:{a}:t1",
        ),
        (
            lambda: client("events").put_events(
                Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "b1"}]
            ),
            "events:PutEvents",
            f"arn:aws:events:{r}:{a}:event-bus/b1",
        ),
        (
            lambda: client("lambda").invoke(FunctionName="f1"),
            "lambda:InvokeFunction",
            f"arn:aws:lambda:{r}:{a}:function:f1",
        ),
        (lambda: client("cloudwatch").list_metrics(), "cloudwatch:ListMetrics", "*"),
        (lambda: client("s3").list_buckets(), "s3:ListAllMyBuckets", "*"),
        (
            lambda: client("s3").put_bucket_encryption(
                Bucket="b1",
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            ),
            "s3:PutEncryptionConfiguration",
            "arn:aws:s3:::b1",
        ),
        (lambda: client("s3").list_objects_v2(Bucket="b1"), "s3:ListBucket", "arn:aws:s3:::b1"),
        (
            lambda: client("logs").create_log_group(logGroupName="/aws/lambda/f"),
            "logs:CreateLogGroup",
            f"arn:aws:logs:{r}:{a}:log-group:/aws/lambda/f",
        ),
        (
            lambda: client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}"),
            "iam:CreateRole",
            f"arn:aws:iam::{a}:role/r",
        ),
        (
            lambda: client("cloudformation").describe_stacks(StackName="st"),
            "cloudformation:DescribeStacks",
            f"arn:aws:cloudformation:{r}:{a}:stack/st/*",
        ),
        (
            lambda: client("events").put_rule(Name="r1", ScheduleExpression="rate(1 minute)"),
            "events:PutRule",
            f"arn:aws:events:{r}:{a}:rule/r1",
        ),
        (
            lambda: client("sqs").create_queue(QueueName="q1"),
            "sqs:CreateQueue",
            f"arn:aws:sqs:{r}:{a}:q1",
        ),
        (
            lambda: client("sns").create_topic(Name="t1"),
            "sns:CreateTopic",
            f"arn:aws:sns:{r}:{a}:t1",
        ),
        (
            lambda: client("dynamodb").describe_table(TableName="t1"),
            "dynamodb:DescribeTable",
            f"arn:aws:dynamodb:{r}:{a}:table/t1",
        ),
        (
            lambda: client("ssm").get_parameter(Name="/a/b"),
            "ssm:GetParameter",
            f"arn:aws:ssm:{r}:{a}:parameter/a/b",
        ),
    ]
    for call, action, resource in cases:
        error = denial(call)
        assert error.response["Error"]["Message"] == implicit(user, action, resource), action


def test_head_bucket_demands_list_bucket(nobody: Any, deny_log_path: Path) -> None:
    user, client = nobody
    error = denial(lambda: client("s3").head_bucket(Bucket="b-head"))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    last = read_deny_log(deny_log_path)[-1]
    assert last.principal == user
    assert (last.action, last.resource, last.operation) == (
        "s3:ListBucket",
        "arn:aws:s3:::b-head",
        "HeadBucket",
    )


def test_json_services_get_json_envelopes(nobody: Any) -> None:
    _, client = nobody
    for service, call, status, key in [
        ("lambda", lambda c: c.list_functions(), 403, "Message"),
        ("logs", lambda c: c.describe_log_groups(), 400, "message"),
        ("events", lambda c: c.list_rules(), 400, "message"),
        ("ssm", lambda c: c.describe_parameters(), 400, "message"),
        ("apigateway", lambda c: c.get_rest_apis(), 403, "message"),
    ]:
        raw: dict[str, Any] = {}
        c = client(service)
        c.meta.events.register(
            "after-call.*", lambda http_response, raw=raw, **_: raw.update(r=http_response)
        )
        error = denial(lambda c=c, call=call: call(c))
        assert error.response["Error"]["Code"] == "AccessDeniedException", service
        response = raw["r"]
        assert response.status_code == status, service
        assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
        body = json.loads(response.content)
        assert body["__type"] == "AccessDeniedException"
        assert body[key].startswith("User: arn:aws:iam::"), service


def test_query_services_keep_xml_with_the_real_message(nobody: Any) -> None:
    user, client = nobody
    error = denial(lambda: client("cloudformation").list_stacks())
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error.response["Error"]["Code"] == "AccessDenied"
    assert error.response["Error"]["Message"] == implicit(user, "cloudformation:ListStacks", "*")


def test_action_names_match_case_insensitively(make_user: MakeUser) -> None:
    _, client = make_user([{"Effect": "Allow", "Action": "LAMBDA:listfunctions", "Resource": "*"}])
    assert client("lambda").list_functions()["Functions"] == []


def test_resource_scoped_allow_is_honoured_both_ways(
    sandbox: SandboxInfo, make_user: MakeUser
) -> None:
    own = f"arn:aws:sqs:{sandbox.region}:{sandbox.account_id}:mine"
    user, client = make_user([{"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": own}])
    assert client("sqs").create_queue(QueueName="mine")["QueueUrl"].endswith("/mine")
    other = own.replace("mine", "other")
    error = denial(lambda: client("sqs").create_queue(QueueName="other"))
    assert error.response["Error"]["Message"] == implicit(user, "sqs:CreateQueue", other)


def test_resource_scoped_deny_is_honoured_both_ways(
    sandbox: SandboxInfo, make_user: MakeUser
) -> None:
    fn = f"arn:aws:lambda:{sandbox.region}:{sandbox.account_id}:function:guarded"
    user, client = make_user(
        [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "lambda:GetFunction", "Resource": fn},
        ]
    )
    error = denial(lambda: client("lambda").get_function(FunctionName="guarded"))
    assert error.response["Error"]["Message"] == (
        f"User: {user} is not authorized to perform: lambda:GetFunction on resource: {fn}"
        " with an explicit deny in an identity-based policy"
    )
    other = denial(lambda: client("lambda").get_function(FunctionName="unguarded"))
    assert other.response["Error"]["Code"] == "ResourceNotFoundException"


def test_cloudformation_uses_the_stack_id_of_an_existing_stack(
    sandbox: SandboxInfo, operator_client: Callable[[str], Any], nobody: Any
) -> None:
    user, client = nobody
    template = json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
    stack_id = operator_client("cloudformation").create_stack(
        StackName="idstack", TemplateBody=template
    )["StackId"]
    error = denial(lambda: client("cloudformation").describe_stacks(StackName="idstack"))
    assert error.response["Error"]["Message"] == implicit(
        user, "cloudformation:DescribeStacks", stack_id
    )


def test_deny_log_records_every_denial(
    sandbox: SandboxInfo, make_user: MakeUser, deny_log_path: Path
) -> None:
    user, client = make_user([{"Effect": "Deny", "Action": "logs:*", "Resource": "*"}])
    raw: dict[str, Any] = {}
    logs = client("logs")
    logs.meta.events.register(
        "after-call.*", lambda http_response, **_: raw.update(r=http_response)
    )
    error = denial(lambda: logs.describe_log_groups())
    record = read_deny_log(deny_log_path)[-1]
    assert record.principal == user
    assert record.access_key_id == logs._request_signer._credentials.access_key
    assert (record.action, record.resource, record.deny) == (
        "logs:DescribeLogGroups",
        "*",
        "explicit-identity",
    )
    assert (record.service, record.operation) == ("logs", "DescribeLogGroups")
    assert record.message == error.response["Error"]["Message"]
    assert record.request_id == raw["r"].headers["x-amzn-RequestId"]
    assert record.time.startswith("20")


def test_assume_role_needs_the_permission_on_the_role_and_its_trust(
    sandbox: SandboxInfo, make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    a = sandbox.account_id
    user, client = make_user(
        [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{a}:role/trusting",
            }
        ]
    )
    iam = operator_client("iam")
    for name, principal in [("trusting", user), ("distrusting", f"arn:aws:iam::{a}:root")]:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
            ],
        }
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    sts = client("sts")
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{a}:role/trusting", RoleSessionName="sess")
    assert assumed["AssumedRoleUser"]["Arn"].endswith(":assumed-role/trusting/sess")
    error = denial(
        lambda: sts.assume_role(
            RoleArn=f"arn:aws:iam::{a}:role/distrusting", RoleSessionName="sess"
        )
    )
    resource = f"arn:aws:iam::{a}:role/distrusting"
    assert error.response["Error"]["Message"] == implicit(user, "sts:AssumeRole", resource)

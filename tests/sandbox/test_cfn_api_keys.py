"""A stack's API keys, usage plan and usage plan keys are the service's, not stand-ins.

The Serverless Framework's deploy of `provider.apiGateway.apiKeys` ends with GetApiKey of
each key its stack lists (osls 4.3.1, `lib/plugins/aws/info/get-api-key-values.js`); on
stand-in ids the sandbox answered "Invalid API Key identifier specified" and the deploy
failed where AWS's succeeds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]


def _template(name: str, rate: int) -> dict[str, Any]:
    return {
        "Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": name}},
            "Key": {
                "Type": "AWS::ApiGateway::ApiKey",
                "Properties": {"Name": f"{name}-acme", "Enabled": True},
            },
            "Plan": {
                "Type": "AWS::ApiGateway::UsagePlan",
                "Properties": {
                    "UsagePlanName": name,
                    "Quota": {"Limit": 5000, "Period": "MONTH"},
                    "Throttle": {"BurstLimit": 50, "RateLimit": rate},
                },
            },
            "PlanKey": {
                "Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {
                    "KeyId": {"Ref": "Key"},
                    "KeyType": "API_KEY",
                    "UsagePlanId": {"Ref": "Plan"},
                },
            },
        },
        "Outputs": {"PlanKey": {"Value": {"Ref": "PlanKey"}}},
    }


def test_the_stack_s_keys_are_read_back_by_their_ids_and_go_with_the_stack(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    name = "keys-read-back"
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "apigateway:*", "Resource": "*"},
        ]
    )
    cfn, apigateway = as_deployer("cloudformation"), as_deployer("apigateway")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(_template(name, 20)))
    stack = settled(cfn, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, name)
    ids = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=name)["StackResources"]
    }
    key = apigateway.get_api_key(apiKey=ids["Key"], includeValue=True)
    assert key["name"] == f"{name}-acme" and key["enabled"] and len(key["value"]) >= 20
    plan = apigateway.get_usage_plan(usagePlanId=ids["Plan"])
    assert plan["throttle"] == {"burstLimit": 50, "rateLimit": 20.0}
    assert ids["PlanKey"] == f"{ids['Key']}:{ids['Plan']}"
    assert stack["Outputs"][0]["OutputValue"] == ids["PlanKey"]
    assert apigateway.get_usage_plan_key(usagePlanId=ids["Plan"], keyId=ids["Key"])["id"]

    cfn.update_stack(StackName=name, TemplateBody=json.dumps(_template(name, 40)))
    assert settled(cfn, name)["StackStatus"] == "UPDATE_COMPLETE", failures(cfn, name)
    after = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=name)["StackResources"]
    }
    assert after == ids  # updated in place
    assert apigateway.get_usage_plan(usagePlanId=ids["Plan"])["throttle"]["rateLimit"] == 40

    cfn.delete_stack(StackName=name)
    keys = operator_client("apigateway").get_api_keys()["items"]
    assert ids["Key"] not in {k["id"] for k in keys}
    plans = operator_client("apigateway").get_usage_plans()["items"]
    assert ids["Plan"] not in {p["id"] for p in plans}

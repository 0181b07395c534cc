"""`Ref` of a resource whose moto model has an `id` but no `physical_resource_id` (an API
Gateway deployment) is that id, as CloudFormation's Ref of it is: moto's `Ref` rendered the
Python object, so a stage's `DeploymentId` read `<moto...Deployment object at 0x...>`, and
an update that only reconsidered the stage (a parameter `sam deploy` sends as
UsePreviousValue) found the object changed and demanded `apigateway:PATCH` on a stage
nothing changed (found by playground/services/sam-audit-trail).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled

_MOCK = {
    "x-amazon-apigateway-integration": {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
    },
    "responses": {},
}


def _template() -> dict[str, Any]:
    return {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "dev"},
            "RateLimit": {"Type": "Number", "Default": "10"},
        },
        "Resources": {
            "Api": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {
                    "Name": "ref-of-id-models",
                    "Body": {
                        "swagger": "2.0",
                        "info": {"title": "ref-of-id-models"},
                        "paths": {"/events": {"get": _MOCK}},
                    },
                },
            },
            "Deployment": {
                "Type": "AWS::ApiGateway::Deployment",
                "Properties": {"RestApiId": {"Ref": "Api"}},
            },
            "ApiStage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "DeploymentId": {"Ref": "Deployment"},
                    "StageName": {"Ref": "Stage"},
                },
            },
            "Plan": {
                "Type": "AWS::ApiGateway::UsagePlan",
                "Properties": {
                    "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "ApiStage"}}],
                    "Throttle": {"RateLimit": {"Ref": "RateLimit"}, "BurstLimit": 20},
                },
            },
        },
        "Outputs": {"DeploymentId": {"Value": {"Ref": "Deployment"}}},
    }


def test_a_deployment_is_referred_to_by_its_id_and_an_update_leaves_its_stage_alone(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    name = f"ref-of-id-{uuid.uuid4().hex[:6]}"
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(_template()))
    stack = settled(cfn, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, name)
    resources = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    ids = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
    deployment = stack["Outputs"][0]["OutputValue"]
    assert deployment == ids["Deployment"]  # the id, not a Python object
    apigateway = operator_client("apigateway")
    assert apigateway.get_stage(restApiId=ids["Api"], stageName="dev")["deploymentId"] == (
        deployment
    )

    # `sam deploy --parameter-overrides RateLimit=25`: the rest as UsePreviousValue
    change_set = cfn.create_change_set(
        StackName=name,
        ChangeSetName="rate",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(_template()),
        Parameters=[
            {"ParameterKey": "RateLimit", "ParameterValue": "25"},
            {"ParameterKey": "Stage", "UsePreviousValue": True},
        ],
    )["Id"]
    cfn.execute_change_set(ChangeSetName=change_set)
    assert settled(cfn, name)["StackStatus"] == "UPDATE_COMPLETE", failures(cfn, name)
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    updated = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "UPDATE_COMPLETE"}
    assert updated == {"Plan", name}  # the stage resolved as before: no handler of it ran
    cfn.delete_stack(StackName=name)
    assert settled(cfn, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"

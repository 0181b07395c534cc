"""Placing a denial in its predicted group (and the group's siblings) without a handler name."""

from __future__ import annotations

from typing import Any

from autofix.denials.model import Denial, Source
from autofix.policy.arn_formats import Place as ArnPlace
from autofix.predict.groups import placed
from autofix.predict.template import Place, Predicted, predict

ACCOUNT = "123456789012"
PLACE = Place("shop-dev", ArnPlace(ACCOUNT, "us-east-1"))
ROLE = f"arn:aws:iam::{ACCOUNT}:role/shop-dev-role"


def _function(name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": name,
            "Role": ROLE,
            "Code": {"ZipFile": "x"},
            "Handler": "h.f",
            "Runtime": "python3.12",
        },
    }


TEMPLATE: dict[str, Any] = {
    "Resources": {
        "A": _function("shop-dev-a"),
        "B": _function("shop-dev-b"),
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/x"}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "shop-dev"}},
        "Res": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": "p", "PathPart": "x"},
        },
    }
}
GROUPS = predict(TEMPLATE, PLACE, ("create", "update", "delete"))


def fn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"


def kinds(found: list[Predicted]) -> set[tuple[str, str, str]]:
    return {(g.call.logical_id, g.call.resource_type, g.call.operation) for g in found}


def test_a_delete_from_the_output_brings_every_functions_delete_group() -> None:
    denial = Denial("lambda:DeleteFunction", fn("shop-dev-a"), source=Source.OUTPUT)
    found = placed(denial, GROUPS, {"delete"})
    assert kinds(found) == {
        ("A", "AWS::Lambda::Function", "delete"),
        ("B", "AWS::Lambda::Function", "delete"),
    }


def test_an_action_several_operations_demand_goes_to_the_steps_operation() -> None:
    both = [g for g in GROUPS if g.call.resource_type == "AWS::Lambda::Function"]
    shared = {r.action for g in both if g.call.operation == "create" for r in g.requirements} & {
        r.action for g in both if g.call.operation == "delete" for r in g.requirements
    }
    assert shared, "the function's create and delete handlers share an action (GetFunction)"
    action = sorted(shared)[0]
    denial = Denial(action, fn("shop-dev-b"), source=Source.STACK_EVENTS)
    assert {g.call.operation for g in placed(denial, GROUPS, {"create"})} == {"create"}
    assert {g.call.operation for g in placed(denial, GROUPS, {"delete"})} == {"delete"}


def test_the_sandboxs_handler_name_decides_the_operation() -> None:
    denial = Denial(
        "lambda:DeleteFunction", fn("shop-dev-a"), operation="AWS::Lambda::Function update"
    )
    assert {g.call.operation for g in placed(denial, GROUPS, {"delete"})} == {"update"}


def test_groups_acting_on_the_denied_resource_come_with_it() -> None:
    # a permission acts on its function: the function's denial brings the permission's group
    template = {
        "Resources": {
            **TEMPLATE["Resources"],
            "Perm": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": {"Ref": "A"},
                    "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                },
            },
        }
    }
    groups = predict(template, PLACE, ("create", "update", "delete"))
    denial = Denial("lambda:DeleteFunction", fn("shop-dev-a"), source=Source.OUTPUT)
    found = kinds(placed(denial, groups, {"delete"}))
    assert ("Perm", "AWS::Lambda::Permission", "delete") in found
    assert ("A", "AWS::Lambda::Function", "delete") in found
    assert {op for _, _, op in found} == {"delete"}


def test_a_denial_on_no_resource_goes_to_the_groups_demanding_it_on_any() -> None:
    template = {
        "Resources": {
            "A": TEMPLATE["Resources"]["A"],
            "Map": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "FunctionName": {"Ref": "A"},
                    "EventSourceArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
                },
            },
        }
    }
    groups = predict(template, PLACE, ("create", "update", "delete"))
    on_any = {
        r.action
        for g in groups
        if g.call.logical_id == "Map" and g.call.operation == "create"
        for r in g.requirements
        if r.resource == "*"
    }
    assert "lambda:CreateEventSourceMapping" in on_any
    denial = Denial("lambda:CreateEventSourceMapping", "*", source=Source.OUTPUT)
    found = kinds(placed(denial, groups, {"create"}))
    assert ("Map", "AWS::Lambda::EventSourceMapping", "create") in found


def test_an_arn_of_another_resource_type_is_not_placed_in_a_wider_pattern() -> None:
    # `/restapis/*` (the REST API's pattern) matches the resource's ARN as a glob, but the
    # ARN names an API Gateway resource, not a REST API
    resource = "arn:aws:apigateway:us-east-1::/restapis/abc123/resources/def456"
    found = placed(Denial("apigateway:DELETE", resource), GROUPS, {"delete"})
    assert kinds(found) == {("Res", "AWS::ApiGateway::Resource", "delete")}
    api = "arn:aws:apigateway:us-east-1::/restapis/abc123"
    found = placed(Denial("apigateway:DELETE", api), GROUPS, {"delete"})
    assert kinds(found) == {("Api", "AWS::ApiGateway::RestApi", "delete")}


def test_a_denial_of_another_resource_or_a_prediction_is_not_placed() -> None:
    assert placed(Denial("lambda:DeleteFunction", fn("other")), GROUPS, {"delete"}) == []
    predicted = Denial("lambda:DeleteFunction", fn("shop-dev-a"), source="predicted-template")
    assert placed(predicted, GROUPS, {"delete"}) == []

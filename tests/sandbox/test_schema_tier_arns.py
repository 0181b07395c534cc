"""The schema tier demands a handler's own actions on the resource's ARN, built by arn_formats."""

from __future__ import annotations

from autofix.sandbox.cloudformation.demands.calls import HandlerCall
from autofix.sandbox.cloudformation.demands.tiers import coverage, demands_for


def _demands(resource_type: str, name: str) -> dict[str, str]:
    call = HandlerCall(resource_type, "create", "Logical", name, {}, "123456789012", "us-east-1")
    return {r.action: r.resource for r in demands_for(call)}


def test_a_name_field_is_filled_with_the_physical_name() -> None:
    assert coverage("AWS::StepFunctions::StateMachine") == "schema"
    found = _demands("AWS::StepFunctions::StateMachine", "Flow-AbC123dEf456")
    assert found["states:CreateStateMachine"] == (
        "arn:aws:states:us-east-1:123456789012:stateMachine:Flow-AbC123dEf456"
    )


def test_an_id_the_service_assigns_is_a_wildcard_not_the_generated_name() -> None:
    assert coverage("AWS::Cognito::UserPool") == "schema"
    found = _demands("AWS::Cognito::UserPool", "stack-Pool-AbC123dEf456")
    assert found["cognito-idp:DescribeUserPool"] == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/*"
    )

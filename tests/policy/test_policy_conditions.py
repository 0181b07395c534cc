"""Conditions on grants: iam:PassedToService from the denied handler's type, the permissions
boundary on role writes, kept, merged and written in the policy document."""

from __future__ import annotations

import json

from autofix.denials.model import Denial
from autofix.policy import actions_catalog, conditions
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.scope import ScopeContext, grants_for
from autofix.sandbox.cloudformation.demands.references import own_service
from autofix.sandbox.cloudformation.demands.schema import known_types

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/photos-dev-lambdaRole"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/deploy-boundary"
CTX = ScopeContext(ACCOUNT, "us-east-1", service_names=("photos",), stages=("dev",))
TO_LAMBDA = conditions.passed_to(("lambda.amazonaws.com",))
TO_STATES = conditions.passed_to(("states.amazonaws.com",))


def pass_role(resource_type: str = "") -> Denial:
    return Denial("iam:PassRole", ROLE, resource_type=resource_type)


def test_pass_role_is_conditioned_on_the_service_the_handler_passes_it_to() -> None:
    [lambda_grant] = grants_for([pass_role("AWS::Lambda::Function")], CTX)
    assert lambda_grant.grant.condition == TO_LAMBDA
    assert "passed to lambda.amazonaws.com" in lambda_grant.note
    [states_grant] = grants_for([pass_role("AWS::StepFunctions::StateMachine")], CTX)
    assert states_grant.grant.condition == TO_STATES
    [task] = grants_for([pass_role("AWS::ECS::TaskDefinition")], CTX)
    assert task.grant.condition == conditions.passed_to(("ecs-tasks.amazonaws.com",))


def test_no_condition_where_the_service_cannot_be_told() -> None:
    [unknown] = grants_for([pass_role("AWS::RDS::DBInstance")], CTX)
    assert unknown.grant.condition == ()
    assert "no iam:PassedToService condition" in unknown.note
    assert "AWS::RDS::DBInstance" in unknown.note
    [untyped] = grants_for([pass_role()], CTX)
    assert untyped.grant.condition == ()
    assert "does not tell which service receives the role" in untyped.note


def test_role_writes_carry_the_boundary_when_one_is_configured() -> None:
    denials = [Denial(a, ROLE) for a in ("iam:CreateRole", "iam:PutRolePolicy", "iam:GetRole")]
    plain = grants_for(denials, CTX)
    assert all(g.grant.condition == () for g in plain)
    bounded = CTX.__class__(**{**CTX.__dict__, "permissions_boundary": BOUNDARY})
    by_action = {g.action: g.grant.condition for g in grants_for(denials, bounded)}
    expected = (("StringEquals", "iam:PermissionsBoundary", (BOUNDARY,)),)
    assert by_action == {
        "iam:CreateRole": expected,
        "iam:PutRolePolicy": expected,
        "iam:GetRole": (),
    }


def test_the_document_writes_conditions_and_reads_them_back() -> None:
    doc = PolicyDocument().with_grants(
        [Grant("iam:PassRole", ROLE, TO_LAMBDA), Grant("iam:GetRole", ROLE)]
    )
    rendered = doc.to_json()
    statements = {s["Action"][0]: s for s in rendered["Statement"]}
    assert statements["iam:PassRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }
    assert "Condition" not in statements["iam:GetRole"]
    again = PolicyDocument.loads(json.dumps(rendered))
    assert set(again.grants) == set(doc.grants)
    assert again.verbatim == ()


def test_a_role_passed_to_two_services_gets_both_in_one_grant() -> None:
    doc = PolicyDocument().with_grants([Grant("iam:PassRole", ROLE, TO_LAMBDA)])
    assert doc.has(Grant("iam:PassRole", ROLE, TO_LAMBDA))
    assert not doc.has(Grant("iam:PassRole", ROLE, TO_STATES))
    assert not doc.has(Grant("iam:PassRole", ROLE))
    both = doc.with_grants([Grant("iam:PassRole", ROLE, TO_STATES)])
    assert both.grants == (
        Grant(
            "iam:PassRole",
            ROLE,
            conditions.passed_to(("lambda.amazonaws.com", "states.amazonaws.com")),
        ),
    )
    [statement] = both.to_json()["Statement"]
    assert statement["Condition"]["StringEquals"]["iam:PassedToService"] == [
        "lambda.amazonaws.com",
        "states.amazonaws.com",
    ]
    unconditional = both.with_grants([Grant("iam:PassRole", ROLE)])
    assert unconditional.grants == (Grant("iam:PassRole", ROLE),)


def test_other_conditions_stay_verbatim() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    doc = PolicyDocument.from_json({"Version": "2012-10-17", "Statement": [statement]})
    assert doc.grants == ()
    assert doc.verbatim == (statement,)


def test_the_data_names_real_types_and_actions_that_carry_the_keys() -> None:
    data = conditions._data()
    types = known_types()
    for resource_type in data["passed_to_service_by_type"]:
        assert resource_type in types
    for service, principal in data["passed_to_service"].items():
        named = [t for t in types if t.split("::")[1] == service]
        assert named, service  # a service of CloudFormation's
        # the principal is the type's own service (the prefix of its handlers' actions)
        assert {f"{own_service(t)}.amazonaws.com" for t in named} == {principal}, service
    carrying = set(actions_catalog.actions_with_key("iam", "iam:PermissionsBoundary", "role"))
    assert set(data["permissions_boundary_actions"]) <= carrying
    assert "iam:PassRole" in actions_catalog.actions_with_key("iam", "iam:PassedToService", "role")

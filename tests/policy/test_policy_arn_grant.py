"""AttachRolePolicy bound by `iam:PolicyARN` to the policies the template attaches: the
predicted and the trial grant carry `ArnLike` those ARNs (a stack's own policy generalised as
grants are); the guard flags it as an escalation, saying the binding, and still refuses it
on every role (the binding names the policy, not the role)
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PolicyARN)."""

from __future__ import annotations

from autofix.denials.model import Denial
from autofix.policy import conditions
from autofix.policy.arn_formats import Place as ArnPlace
from autofix.policy.document import Grant
from autofix.policy.guard import check
from autofix.policy.request_conditions import request_condition
from autofix.predict.stack_templates import parse
from autofix.predict.template import Place, predict
from autofix.sandbox.cloudformation.demands.calls import HandlerCall
from autofix.sandbox.cloudformation.demands.tiers import demands_for

ACCOUNT = "123456789012"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:user/deployer"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/mystack-FunctionRole-*"
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
OWN = f"arn:aws:iam::{ACCOUNT}:policy/mystack-MyPolicy-*"
XRAY = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
KEY = "iam:PolicyARN"

BODY = """
Resources:
  MyPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}]
  FunctionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        - !Ref MyPolicy
"""


def _keys(operation: str, action: str) -> list[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]]:
    template = parse(BODY)
    assert template is not None
    place = Place("mystack", ArnPlace(ACCOUNT, "us-east-1"))
    return [
        (r.resource, r.keys)
        for g in predict(template, place, (operation,))
        for r in g.requirements
        if r.action == action
    ]


def test_each_attached_policy_is_its_own_request_with_its_arn() -> None:
    expected = [(ROLE, ((KEY, (BASIC,)),)), (ROLE, ((KEY, (OWN,)),))]
    assert _keys("create", "iam:AttachRolePolicy") == expected
    assert _keys("delete", "iam:DetachRolePolicy") == expected
    assert _keys("create", "iam:DetachRolePolicy") == []


def test_the_grant_is_bound_to_the_policy_the_request_named() -> None:
    denial = Denial("iam:AttachRolePolicy", ROLE, request_keys=((KEY, (BASIC,)),))
    condition, note = request_condition(denial, "iam:AttachRolePolicy", lambda arn: arn)
    assert condition == (("ArnLike", KEY, (BASIC,)),)
    assert KEY in note


def test_the_guard_flags_the_binding_and_refuses_every_role() -> None:
    bound = conditions.request_condition(KEY, (BASIC, OWN))
    report = check([Grant("iam:AttachRolePolicy", ROLE, bound)], DEPLOYER)
    assert report.ok, report.refusals
    [flag] = report.flags
    assert "attaches any managed policy to a role" in flag.risk
    assert f"bound by {KEY} to {OWN}, {BASIC}" in flag.risk  # sorted
    every = Grant("iam:AttachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/*", bound)
    assert [r.rule for r in check([every], DEPLOYER).refusals] == ["escalation-unscoped"]
    anything = conditions.request_condition(KEY, (f"arn:aws:iam::{ACCOUNT}:policy/*",))
    [flag] = check([Grant("iam:AttachRolePolicy", ROLE, anything)], DEPLOYER).flags
    assert "bound by" not in flag.risk


def test_an_update_attaches_the_added_policies_and_detaches_the_removed() -> None:
    call = HandlerCall(
        "AWS::IAM::Role",
        "update",
        "FunctionRole",
        "mystack-FunctionRole-ABC",
        {"ManagedPolicyArns": [BASIC, OWN]},
        ArnPlace(ACCOUNT, "us-east-1"),
        old_properties={"ManagedPolicyArns": [BASIC, XRAY]},
    )
    found = {(r.action, r.keys) for r in demands_for(call) if "Policy" in r.action}
    attached = ("iam:AttachRolePolicy", ((KEY, (OWN,)),))
    assert attached in found and ("iam:DetachRolePolicy", ((KEY, (XRAY,)),)) in found
    assert not any(keys == ((KEY, (BASIC,)),) for _, keys in found)

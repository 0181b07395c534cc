"""Condition blocks decided as IAM does (the operators' rules, an absent key, qualifiers)."""

from __future__ import annotations

from autofix.sandbox.fidelity.authz import evaluate, request_context
from autofix.sandbox.fidelity.conditions import holds

ROLE = "arn:aws:iam::123456789012:role/svc-fn"
USER = "arn:aws:iam::123456789012:user/deployer"
LAMBDA = {"iam:passedtoservice": ["lambda.amazonaws.com"]}


def pass_role(condition: dict[str, object], effect: str = "Allow") -> dict[str, object]:
    statement = {"Effect": effect, "Action": "iam:PassRole", "Resource": ROLE}
    return {"Statement": [{**statement, "Condition": condition}]}


def test_string_equals_holds_only_for_a_listed_value() -> None:
    block = {
        "StringEquals": {"iam:PassedToService": ["states.amazonaws.com", "lambda.amazonaws.com"]}
    }
    assert holds(block, LAMBDA)
    assert not holds(block, {"iam:passedtoservice": ["ec2.amazonaws.com"]})
    assert not holds({"StringEquals": {"iam:PassedToService": "Lambda.amazonaws.com"}}, LAMBDA)
    assert holds(
        {"StringEqualsIgnoreCase": {"iam:PassedToService": "Lambda.amazonaws.com"}}, LAMBDA
    )


def test_keys_are_case_insensitive() -> None:
    assert holds({"StringEquals": {"IAM:passedToService": "lambda.amazonaws.com"}}, LAMBDA)


def test_an_absent_key_fails_positive_operators_and_satisfies_negated_ones() -> None:
    assert not holds({"StringEquals": {"iam:PermissionsBoundary": "arn:x"}}, {})
    assert not holds({"StringLike": {"iam:PermissionsBoundary": "*"}}, {})
    assert holds({"StringNotEquals": {"iam:PermissionsBoundary": "arn:x"}}, {})
    assert holds({"StringEqualsIfExists": {"iam:PermissionsBoundary": "arn:x"}}, {})
    assert holds({"Null": {"iam:PermissionsBoundary": "true"}}, {})
    assert not holds({"Null": {"iam:PermissionsBoundary": "false"}}, {})
    assert holds({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {})
    assert not holds({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {})


def test_every_operator_and_key_must_hold() -> None:
    block = {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"},
        "StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/other"},
    }
    context = {**LAMBDA, "aws:principalarn": [USER]}
    assert not holds(block, context)
    block["StringLike"] = {"aws:PrincipalArn": "arn:aws:iam::*:user/deploy*"}
    assert holds(block, context)


def test_negated_operators_and_arns() -> None:
    context = {"aws:sourcearn": ["arn:aws:lambda:us-east-1:123456789012:function:f"]}
    assert holds({"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:*:function:*"}}, context)
    assert not holds({"ArnNotLike": {"aws:SourceArn": "arn:aws:lambda:*:*:function:*"}}, context)
    assert holds({"StringNotEquals": {"aws:SourceArn": "other"}}, context)


def test_an_operator_the_sandbox_does_not_evaluate_never_holds() -> None:
    assert not holds({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {})


def test_a_conditional_allow_applies_only_when_its_condition_holds() -> None:
    policy = pass_role({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})
    assert evaluate([policy], "iam:PassRole", ROLE, LAMBDA) == "allowed"
    other = {"iam:passedtoservice": ["ec2.amazonaws.com"]}
    assert evaluate([policy], "iam:PassRole", ROLE, other) == "implicit"
    assert evaluate([policy], "iam:PassRole", ROLE, {}) == "implicit"


def test_a_conditional_deny_applies_only_when_its_condition_holds() -> None:
    allow = {"Statement": [{"Effect": "Allow", "Action": "iam:CreateRole", "Resource": "*"}]}
    deny = {
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "iam:CreateRole",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": "arn:b"}},
            }
        ]
    }
    bounded = {"iam:permissionsboundary": ["arn:b"]}
    assert evaluate([allow, deny], "iam:CreateRole", ROLE, bounded) == "allowed"
    assert evaluate([allow, deny], "iam:CreateRole", ROLE, {}) == "explicit-identity"


def test_the_global_keys_every_request_carries() -> None:
    context = request_context(USER, ROLE, "eu-west-1", {"iam:PassedToService": ["x"]})
    assert context["aws:principalarn"] == [USER]
    assert context["aws:principalaccount"] == ["123456789012"]
    assert context["aws:principaltype"] == ["User"]
    assert context["aws:username"] == ["deployer"]
    assert context["aws:requestedregion"] == ["eu-west-1"]
    assert context["aws:resourceaccount"] == ["123456789012"]
    assert context["iam:passedtoservice"] == ["x"]
    account = {"StringEquals": {"aws:ResourceAccount": "123456789012"}}
    assert holds(account, context)
    bucket = request_context(USER, "arn:aws:s3:::cdk-assets/key", "eu-west-1")
    assert holds(account, bucket)  # an S3 ARN names no account: the bucket is the caller's
    assert not holds({"StringNotEquals": {"s3:ResourceAccount": "123456789012"}}, bucket)

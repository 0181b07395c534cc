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
    assert not holds({"StringSoundsLike": {"aws:PrincipalArn": USER}}, {"aws:principalarn": [USER]})
    assert not holds({"NullIfExists": {"aws:PrincipalArn": "true"}}, {})
    assert not holds({"ForEveryValue:StringEquals": {"aws:TagKeys": "a"}}, {"aws:tagkeys": ["a"]})


def test_numeric_operators_compare_numbers() -> None:
    age = {"aws:multifactorauthage": ["1800"]}
    assert holds({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, age)
    assert holds({"NumericLessThanEquals": {"aws:MultiFactorAuthAge": 1800}}, age)
    assert not holds({"NumericLessThan": {"aws:MultiFactorAuthAge": "1800"}}, age)
    assert holds({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "99.5"}}, age)
    assert holds({"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": "1800.0"}}, age)
    assert not holds({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}, age)
    assert holds({"NumericEquals": {"aws:MultiFactorAuthAge": ["10", "1800"]}}, age)
    assert not holds({"NumericNotEquals": {"aws:MultiFactorAuthAge": ["10", "1800"]}}, age)
    assert holds({"NumericNotEquals": {"aws:MultiFactorAuthAge": "10"}}, age)
    # compared as numbers, not text: "900" < "1800" although "9" > "1"
    assert holds({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "900"}}, age)
    # a value that is no number fails the comparison, negated or not
    text = {"aws:multifactorauthage": ["soon"]}
    assert not holds({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, text)
    assert not holds({"NumericNotEquals": {"aws:MultiFactorAuthAge": "3600"}}, text)
    assert not holds({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {})
    assert holds({"NumericNotEquals": {"aws:MultiFactorAuthAge": "3600"}}, {})


def test_date_operators_compare_iso_dates_and_epoch_seconds() -> None:
    now = {"aws:currenttime": ["2026-12-07T03:00:00Z"], "aws:epochtime": ["1796612400"]}
    assert holds({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}, now)
    assert holds({"DateGreaterThan": {"aws:CurrentTime": "2026-12-07"}}, now)
    assert not holds({"DateGreaterThan": {"aws:CurrentTime": "2026-12-08"}}, now)
    assert holds({"DateEquals": {"aws:CurrentTime": "2026-12-07T04:00:00+01:00"}}, now)
    assert holds({"DateLessThanEquals": {"aws:CurrentTime": "1796612400"}}, now)  # epoch
    assert holds({"DateGreaterThanEquals": {"aws:EpochTime": "2026-12-07T03:00:00Z"}}, now)
    assert not holds({"DateNotEquals": {"aws:EpochTime": "2026-12-07T03:00:00Z"}}, now)
    assert holds({"DateNotEquals": {"aws:EpochTime": "2026-12-07T03:00:01Z"}}, now)
    assert not holds({"DateLessThan": {"aws:CurrentTime": "tomorrow"}}, now)
    assert not holds({"DateLessThan": {"aws:TokenIssueTime": "2027-01-01"}}, now)


def test_ip_address_operators_match_cidr_blocks() -> None:
    source = {"aws:sourceip": ["203.0.113.7"]}
    assert holds({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, source)
    assert holds({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.7"]}}, source)
    assert not holds({"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}, source)
    assert holds({"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}}, source)
    assert not holds({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, source)
    six = {"aws:sourceip": ["2001:db8::1"]}
    assert holds({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, six)
    assert not holds({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, six)
    assert not holds({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {})
    assert holds({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {})
    assert not holds({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": ["x"]})


def test_arn_operators_match_each_part_on_its_own() -> None:
    fn = {"aws:sourcearn": ["arn:aws:lambda:us-east-1:123456789012:function:f"]}
    assert holds({"ArnEquals": {"aws:SourceArn": fn["aws:sourcearn"][0]}}, fn)
    assert holds({"ArnLike": {"aws:SourceArn": "arn:aws:lambda:us-?ast-1:*:function:*"}}, fn)
    # `*` stays inside its part: a region pattern does not swallow the account
    assert not holds({"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:function:f"}}, fn)
    assert holds({"ArnNotEquals": {"aws:SourceArn": "arn:aws:lambda:*:*:function:g"}}, fn)
    assert not holds({"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:*:function:*"}}, {})
    assert holds({"ArnNotLike": {"aws:SourceArn": "arn:aws:lambda:*:*:function:*"}}, {})


def test_if_exists_holds_when_absent_and_decides_when_present() -> None:
    for block in (
        {"StringEqualsIfExists": {"iam:PermissionsBoundary": "arn:b"}},
        {"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}},
        {"DateGreaterThanIfExists": {"aws:TokenIssueTime": "2020-01-01"}},
        {"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}},
        {"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:*:t"}},
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
    ):
        assert holds(block, {}), block
    assert holds({"NumericLessThanIfExists": {"k": "10"}}, {"k": ["5"]})
    assert not holds({"NumericLessThanIfExists": {"k": "10"}}, {"k": ["50"]})
    assert not holds(
        {"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": ["1.2.3.4"]}
    )


def test_null_tests_whether_the_key_is_in_the_request() -> None:
    present = {"aws:tokenissuetime": ["2026-12-07T03:00:00Z"]}
    assert holds({"Null": {"aws:TokenIssueTime": "false"}}, present)
    assert not holds({"Null": {"aws:TokenIssueTime": "true"}}, present)
    assert holds({"Null": {"aws:TokenIssueTime": True}}, {})  # a JSON boolean as IAM reads it
    assert holds({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:tokenissuetime": []})


def test_bool_and_binary_equals() -> None:
    mfa = {"aws:multifactorauthpresent": ["true"]}
    assert holds({"Bool": {"aws:MultiFactorAuthPresent": True}}, mfa)
    assert not holds({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, mfa)
    assert holds({"BinaryEquals": {"k": "QmluYXJ5"}}, {"k": ["QmluYXJ5"]})
    assert not holds({"BinaryEquals": {"k": "QmluYXJ5"}}, {"k": ["b3RoZXI="]})


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

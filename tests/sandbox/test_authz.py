"""Policy evaluation: case-insensitive actions, resource scoping, explicit deny."""

from autofix.sandbox.fidelity.authz import Decision, evaluate

FN = "arn:aws:lambda:us-east-1:123456789012:function:f1"


def doc(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_action_names_match_case_insensitively() -> None:
    policy = doc({"Effect": "Allow", "Action": "LAMBDA:getfunction", "Resource": "*"})
    assert evaluate([policy], "lambda:GetFunction", FN) == "allowed"


def test_resource_scoped_allow_does_not_allow_another_resource() -> None:
    policy = doc({"Effect": "Allow", "Action": "lambda:*", "Resource": FN.replace("f1", "f2")})
    assert evaluate([policy], "lambda:GetFunction", FN) == "implicit"


def test_resource_scoped_deny_beats_a_wildcard_allow() -> None:
    allow = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    deny = doc({"Effect": "Deny", "Action": "lambda:Get*", "Resource": FN})
    assert evaluate([allow, deny], "lambda:GetFunction", FN) == "explicit-identity"
    assert evaluate([allow, deny], "lambda:GetFunction", FN + "2") == "allowed"


def test_not_action_and_not_resource() -> None:
    policy = doc({"Effect": "Allow", "NotAction": "iam:*", "NotResource": FN})
    assert evaluate([policy], "lambda:GetFunction", FN + "x") == "allowed"
    assert evaluate([policy], "lambda:GetFunction", FN) == "implicit"
    assert evaluate([policy], "iam:GetRole", "*") == "implicit"


def test_resource_match_is_case_sensitive_and_supports_question_mark() -> None:
    policy = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b?/*"})
    assert evaluate([policy], "s3:GetObject", "arn:aws:s3:::b1/k") == "allowed"
    assert evaluate([policy], "s3:GetObject", "arn:aws:s3:::B1/k") == "implicit"


def test_messages_in_real_aws_wording() -> None:
    user = "arn:aws:iam::123456789012:user/d"
    implicit = Decision("implicit", user, "lambda:GetFunction", FN)
    assert implicit.message == (
        f"User: {user} is not authorized to perform: lambda:GetFunction on resource: {FN}"
        " because no identity-based policy allows the lambda:GetFunction action"
    )
    explicit = Decision("explicit-identity", user, "lambda:GetFunction", FN)
    assert explicit.message == (
        f"User: {user} is not authorized to perform: lambda:GetFunction on resource: {FN}"
        " with an explicit deny in an identity-based policy"
    )
    assert Decision("allowed", user, "lambda:GetFunction", FN).message == ""

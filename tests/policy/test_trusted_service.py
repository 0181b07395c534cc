"""Where the data gives no iam:PassedToService, the role's trust policy may: a role whose
trust policy names exactly one service principal can only be used by that service
(IAM User Guide, "Granting a user permissions to pass a role to an AWS service"), so a
pass of it goes there. The predictor reads the trust policy from the template, the
sandbox from its role; the curation's withheld properties keep no condition."""

from __future__ import annotations

import json
from typing import Any

from autofix.denials.model import Denial
from autofix.policy import conditions
from autofix.policy.arn_formats import Place as ArnPlace
from autofix.policy.conditions import receiving_service, trusted_service
from autofix.policy.scope import ScopeContext, grants_for
from autofix.predict.template import Place, predict

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/shop-feedback"
PLACE = Place("shop-dev", ArnPlace(ACCOUNT, "eu-west-1"))
VOCABULARY = "AWS::Transcribe::Vocabulary"


def trust(*services: str, **other: Any) -> dict[str, Any]:
    principal: dict[str, Any] = {"Service": list(services)} if services else {}
    statement = {"Effect": "Allow", "Principal": principal | other, "Action": "sts:AssumeRole"}
    return {"Version": "2012-10-17", "Statement": [statement]}


def vocabulary(role: Any) -> dict[str, Any]:
    """A Transcribe vocabulary's properties naming `role` (a role property autofix's data
    derives no principal for: no AWS managed policy of transcribe passes roles to it)."""
    return {"VocabularyName": "shop", "LanguageCode": "en-US", "DataAccessRoleArn": role}


def test_one_service_principal_is_the_receiving_service() -> None:
    assert trusted_service(trust("transcribe.amazonaws.com")) == "transcribe.amazonaws.com"
    assert (
        trusted_service(json.dumps(trust("transcribe.amazonaws.com"))) == "transcribe.amazonaws.com"
    )
    account_too = trust("transcribe.amazonaws.com", AWS=f"arn:aws:iam::{ACCOUNT}:root")
    assert trusted_service(account_too) == "transcribe.amazonaws.com"
    # none, two, anyone, a regional or unresolved name: not told
    assert trusted_service(trust(AWS=f"arn:aws:iam::{ACCOUNT}:root")) is None
    assert trusted_service(trust("transcribe.amazonaws.com", "lambda.amazonaws.com")) is None
    assert trusted_service(trust("transcribe.amazonaws.com") | {"Statement": [{}]}) is None
    assert trusted_service({"Statement": [{"Effect": "Allow", "Principal": "*",
                                           "Action": "sts:AssumeRole"}]}) is None  # fmt: skip
    assert trusted_service(trust("logs.eu-west-1.amazonaws.com")) is None
    assert trusted_service(trust("*")) is None
    assert trusted_service("not json") is None and trusted_service(None) is None
    denied = trust("transcribe.amazonaws.com")
    denied["Statement"][0]["Effect"] = "Deny"
    assert trusted_service(denied) is None


def test_the_trust_policy_tells_only_where_the_data_does_not() -> None:
    props = vocabulary(ROLE)
    assert conditions.passed_to_service(VOCABULARY, ROLE, props) is None
    assert receiving_service(VOCABULARY, ROLE, props, trust("transcribe.amazonaws.com")) == (
        "transcribe.amazonaws.com",
        "the role's trust policy names only it",
    )
    service, why = receiving_service(VOCABULARY, ROLE, props, None)
    assert service is None and "not one the template creates" in why
    # the data decides where it knows: a Lambda function's role goes to Lambda
    fn = {"Role": ROLE}
    assert receiving_service("AWS::Lambda::Function", ROLE, fn, trust("transcribe.amazonaws.com"))[
        0
    ] == ("lambda.amazonaws.com")
    # the curation withholds an EKS node role (the node's EC2 instances trust it, but
    # which value EKS checks is not documented): the trust policy does not decide
    nodes = {"NodeRole": ROLE}
    assert receiving_service("AWS::EKS::Nodegroup", ROLE, nodes, trust("ec2.amazonaws.com")) == (
        None,
        conditions.unknown_why("AWS::EKS::Nodegroup"),
    )


def template(trusted: list[str], role_name: str | None) -> dict[str, Any]:
    role_props: dict[str, Any] = {"AssumeRolePolicyDocument": trust(*trusted)}
    if role_name:
        role_props["RoleName"] = role_name
    arn = {"Fn::GetAtt": ["FeedbackRole", "Arn"]}
    return {
        "Resources": {
            "FeedbackRole": {"Type": "AWS::IAM::Role", "Properties": role_props},
            "Vocabulary": {"Type": VOCABULARY, "Properties": vocabulary(arn)},
        }
    }


def _passes(tmpl: dict[str, Any]) -> tuple[set[str], tuple[tuple[str, str], ...]]:
    [group] = [g for g in predict(tmpl, PLACE, ("create",)) if g.call.logical_id == "Vocabulary"]
    roles = {r.resource for r in group.requirements if r.action == "iam:PassRole"}
    return roles, group.passed_to


def test_the_predictor_reads_the_templates_own_role() -> None:
    roles, passed = _passes(template(["transcribe.amazonaws.com"], "shop-feedback"))
    assert roles == {ROLE} and passed == ((ROLE, "transcribe.amazonaws.com"),)
    roles, passed = _passes(template(["transcribe.amazonaws.com"], None))  # a generated name
    [generated] = roles
    assert generated.startswith(f"arn:aws:iam::{ACCOUNT}:role/shop-dev-FeedbackRole-")
    assert passed == ((generated, "transcribe.amazonaws.com"),)
    # two services: not told, and the grant says why
    roles, passed = _passes(
        template(["transcribe.amazonaws.com", "sns.amazonaws.com"], "shop-feedback")
    )
    assert roles == {ROLE} and passed == ()


def test_the_grant_carries_the_service_or_says_why_not() -> None:
    ctx = ScopeContext(ACCOUNT, "us-east-1", service_names=("shop",), stages=("dev",))
    told = Denial(
        "iam:PassRole", ROLE, resource_type=VOCABULARY, passed_to="transcribe.amazonaws.com"
    )
    [grant] = grants_for([told], ctx)
    assert grant.grant.condition == conditions.passed_to(("transcribe.amazonaws.com",))
    [untold] = grants_for([Denial("iam:PassRole", ROLE, resource_type=VOCABULARY)], ctx)
    assert untold.grant.condition == ()
    assert "no iam:PassedToService condition" in untold.note

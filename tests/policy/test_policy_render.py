import json
import re

import pytest
from cfnlint.api import lint
from cfnlint.decode import decode_str

from autofix.policy import actions_catalog
from autofix.policy.collapse import collapse_actions
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.render import (
    PLACEHOLDERS,
    portable,
    render,
    render_cloudformation,
    render_serverless,
    render_terraform,
)

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/autofix-demo-dev-us-east-1-lambdaRole"
STACK = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo-dev/*"
BUCKET = "arn:aws:s3:::autofix-demo-dev-serverlessdeploymentbucket-*"
REST = "arn:aws:apigateway:us-east-1::/restapis/*"

DOC = PolicyDocument(
    (
        Grant("cloudformation:DescribeStacks", STACK),
        Grant("cloudformation:ValidateTemplate", "*"),
        Grant("iam:PassRole", ROLE),
        Grant("s3:PutObject", BUCKET + "/${aws:username}/*"),
        Grant("apigateway:PATCH", REST),
    ),
    ({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": BUCKET,
      "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}},),
)  # fmt: skip


@pytest.mark.parametrize("style", ["cloudformation", "terraform", "plain"])
def test_portable_replaces_account_and_region_only_in_arn_fields(style: str) -> None:
    account, region = PLACEHOLDERS[style]  # type: ignore[index]
    text = json.dumps(portable(DOC, ACCOUNT, "us-east-1", style).to_json())  # type: ignore[arg-type]
    assert ACCOUNT not in text and "us-east-1:" not in text
    assert f"arn:aws:iam::{account}:role/autofix-demo-dev-{region}-lambdaRole" in text
    assert f"arn:aws:cloudformation:{region}:{account}:stack/autofix-demo-dev/*" in text
    assert f"arn:aws:apigateway:{region}::/restapis/*" in text
    assert "arn:aws:s3:::autofix-demo-dev-serverlessdeploymentbucket-*" in text
    assert '"aws:RequestedRegion": ["us-east-1"]' in text  # condition values are not ARNs


def test_portable_policy_filled_with_another_account_is_that_accounts_policy() -> None:
    plain = json.dumps(portable(DOC, ACCOUNT, "us-east-1", "plain").to_json())
    other = plain.replace("<account_no>", "210987654321").replace("<region>", "us-east-1")
    assert other == json.dumps(DOC.to_json()).replace(ACCOUNT, "210987654321")


def test_json_rendering_is_the_policy() -> None:
    assert json.loads(render(DOC, "json")) == DOC.to_json()


@pytest.mark.parametrize("as_json", [False, True])
def test_cloudformation_rendering_passes_cfn_lint_and_keeps_the_policy(as_json: bool) -> None:
    doc = portable(DOC, ACCOUNT, "us-east-1", "cloudformation")
    text = render_cloudformation(doc, "DeployPolicy", "autofix-deploy", as_json=as_json)
    assert [str(m) for m in lint(text, regions=["us-east-1"])] == []
    template, errors = decode_str(text)
    assert not errors and template is not None
    resource = template["Resources"]["DeployPolicy"]
    assert resource["Type"] == "AWS::IAM::ManagedPolicy"
    statements = resource["Properties"]["PolicyDocument"]["Statement"]
    role = next(s for s in statements if s.get("Sid") == "Iam")["Resource"]
    assert role == {
        "Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/autofix-demo-dev-${AWS::Region}-lambdaRole"
    }
    s3 = next(s for s in statements if s.get("Sid") == "S3")["Resource"]
    assert s3 == BUCKET + "/${aws:username}/*"  # no Sub: the IAM variable stays as is


def test_terraform_rendering_has_each_statement_and_escapes_iam_variables() -> None:
    doc = portable(DOC, ACCOUNT, "us-east-1", "terraform")
    text = render_terraform(doc, "deploy")
    assert 'data "aws_iam_policy_document" "deploy" {' in text
    assert 'data "aws_caller_identity" "current" {}' in text
    assert 'data "aws_region" "current" {}' in text
    assert text.count("  statement {") == len(doc.to_json()["Statement"])
    assert "${data.aws_caller_identity.current.account_id}" in text
    assert "$${aws:username}" in text
    assert 'test     = "StringNotEquals"' in text
    assert "policy = data.aws_iam_policy_document.deploy.json" in text
    assert text.count("{") == text.count("}")
    # every action and resource of the policy appears as an HCL string
    for grant in doc.grants:
        assert json.dumps(grant.action) in text
        assert json.dumps(grant.resource).replace("${aws:", "$${aws:") in text


def test_terraform_without_placeholders_declares_no_extra_data_sources() -> None:
    text = render(DOC, "terraform")
    assert "aws_caller_identity" not in text and "aws_region" not in text


def test_serverless_hint_names_the_deployment_role() -> None:
    text = render_serverless(DOC, "ci-deploy")
    assert re.search(
        r"^provider:\n  iam:\n    deploymentRole: arn:aws:iam::\$\{aws:accountId\}:role/ci-deploy$",
        text,
        re.M,
    )
    assert "cloudformation.amazonaws.com" in text


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render(DOC, "yaml")  # type: ignore[arg-type]


def test_collapse_groups_read_verbs_and_never_grants_a_write() -> None:
    doc = PolicyDocument(
        tuple(
            Grant(a, BUCKET)
            for a in ["s3:GetObject", "s3:GetBucketLocation", "s3:PutObject", "s3:PutBucketPolicy",
                      "s3:ListBucket", "cloudformation:DescribeStacks"]
        )
    )  # fmt: skip
    collapsed = collapse_actions(doc)
    assert set(collapsed.actions) == {
        "s3:Get*",
        "s3:PutObject",
        "s3:PutBucketPolicy",
        "s3:ListBucket",
        "cloudformation:DescribeStacks",
    }
    for action in collapsed.actions:
        for covered in actions_catalog.expand(action) if "*" in action else ():
            info = actions_catalog.lookup(covered)
            assert info is not None and not info.is_write
    for granted in doc.actions:
        assert any(
            granted in (actions_catalog.expand(a) if "*" in a else (a,)) for a in collapsed.actions
        )


def test_collapse_refuses_a_verb_whose_wildcard_includes_writes() -> None:
    # lambda:Get* is read-only, but lambda:Put* and lambda:Update* are writes
    doc = PolicyDocument(
        tuple(Grant(a, "*") for a in ["lambda:UpdateFunctionCode", "lambda:UpdateAlias"])
    )
    assert set(collapse_actions(doc).actions) == {"lambda:UpdateFunctionCode", "lambda:UpdateAlias"}

"""A TemplateURL names an S3 object: s3:GetObject is demanded on exactly that object, never on
`*` (issue 18).

One parser reads every form a URL takes (virtual-hosted, path-style, regional, dual-stack,
China, `s3://`, an ARN, the sandbox's own endpoint); a nested stack's rule, a change set's
schema tier and the harvest of CloudFormation's TemplateURL failure all read it so. A value
that names no object demands nothing, and its failure is said, not taken for a permission.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from autofix.denials.model import Denial
from autofix.harvest.template_urls import resolve
from autofix.sandbox.cloudformation.demands.s3_urls import object_arn
from autofix.sandbox.cloudformation.demands.tiers import demands_for
from autofix.testing import IamSandbox
from tests.sandbox.stacks import failures, settled
from tests.sandbox.test_cfn_own_arn_demands import ACCOUNT, _call

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
OBJECT = "arn:aws:s3:::tpl-bucket/nested/stack.json"
FORMS = [
    "https://tpl-bucket.s3.amazonaws.com/nested/stack.json",
    "https://tpl-bucket.s3.eu-west-1.amazonaws.com/nested/stack.json",
    "https://tpl-bucket.s3-eu-west-1.amazonaws.com/nested/stack.json",
    "https://tpl-bucket.s3.dualstack.us-east-1.amazonaws.com/nested/stack.json",
    "https://s3.amazonaws.com/tpl-bucket/nested/stack.json",
    "https://s3.eu-west-1.amazonaws.com/tpl-bucket/nested/stack.json",
    "https://s3-eu-west-1.amazonaws.com/tpl-bucket/nested/stack.json",
    "http://127.0.0.1:4566/tpl-bucket/nested/stack.json",
    "s3://tpl-bucket/nested/stack.json",
    "arn:aws:s3:::tpl-bucket/nested/stack.json",
]
NOT_AN_OBJECT = ["nested-stack.json", "tpl-bucket", "https://tpl-bucket.s3.amazonaws.com/"]


@pytest.mark.parametrize("url", FORMS)
def test_every_form_of_a_url_names_the_same_object(url: str) -> None:
    assert object_arn(url, "aws") == OBJECT
    assert object_arn("https://b.s3.cn-north-1.amazonaws.com.cn/k%20x", "aws-cn") == (
        "arn:aws-cn:s3:::b/k x"
    )


@pytest.mark.parametrize("value", NOT_AN_OBJECT)
def test_a_value_that_is_no_object_url_names_none(value: str) -> None:
    assert object_arn(value, "aws") is None


def _on(resource_type: str, props: dict[str, Any], operation: str = "create") -> set[str]:
    call = _call(resource_type, props, operation)
    return {r.resource for r in demands_for(call) if r.action == "s3:GetObject"}


@pytest.mark.parametrize("url", FORMS)
def test_a_nested_stack_reads_its_template_on_that_object(url: str) -> None:
    for operation in ("create", "update"):
        assert _on("AWS::CloudFormation::Stack", {"TemplateURL": url}, operation) == {OBJECT}


@pytest.mark.parametrize("url", FORMS)
def test_a_change_set_reads_its_template_on_that_object(url: str) -> None:
    props = {"ChangeSetName": "c1", "StackName": "next", "TemplateURL": url}
    assert _on("AWS::CloudFormation::ChangeSet", props) == {OBJECT}


def test_no_object_named_no_get_object_demanded() -> None:
    for value in NOT_AN_OBJECT:
        assert _on("AWS::CloudFormation::Stack", {"TemplateURL": value}) == set()
    body = {"ChangeSetName": "c1", "StackName": "next", "TemplateBody": "{}"}
    assert _on("AWS::CloudFormation::ChangeSet", body) == set()  # its body: no object read


class _Stacks:
    """A CloudFormation client's GetTemplate, for the harvest."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template

    def get_template(self, **_: Any) -> dict[str, Any]:
        return {"TemplateBody": json.dumps(self.template)}


STACK_ID = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/parent/abc"
REASON = (
    'Resource handler returned message: "ValidationError: TemplateURL must reference a '
    'valid S3 object to which you have access."'
)


def _nested(url: Any) -> _Stacks:
    props = {"TemplateURL": url}
    return _Stacks(
        {"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": props}}}
    )


def test_the_harvest_names_the_object_the_failed_resource_reads() -> None:
    unnamed = Denial("s3:GetObject")
    for url in FORMS[:-1]:
        found = resolve(_nested(url), STACK_ID, "Child", REASON, unnamed)
        assert (found.resource, found.fixable) == (OBJECT, True)


def test_a_template_url_that_names_no_object_is_not_a_demand_on_star() -> None:
    found = resolve(_nested("nested-stack.json"), STACK_ID, "Child", REASON, Denial("s3:GetObject"))
    assert found.resource is None and not found.fixable
    assert "names no S3 object" in found.not_granted
    # an intrinsic the template does not resolve: left as it was
    sub = {"Fn::Sub": "https://${B}.s3.amazonaws.com/t.json"}
    unresolved = resolve(_nested(sub), STACK_ID, "Child", REASON, Denial("s3:GetObject"))
    assert unresolved == Denial("s3:GetObject")


def test_a_nested_stack_deploys_with_get_object_on_its_template_alone(
    iam_sandbox: IamSandbox,
    operator_client: Callable[[str], Any],
    make_user: MakeUser,
) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="nested-tpl")
    child = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
    s3.put_object(Bucket="nested-tpl", Key="child.json", Body=child.encode())
    url = f"{iam_sandbox.endpoint_url}/nested-tpl/child.json"
    parent = {
        "Resources": {
            "Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}
        }
    }
    rest = {"Effect": "Allow", "Action": ["cloudformation:*", "sqs:*"], "Resource": "*"}
    for suffix, on in (
        ("-a", "arn:aws:s3:::nested-tpl/child.json"),
        ("-b", "arn:aws:s3:::nested-tpl/other.json"),
    ):
        _, client = make_user([rest, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": on}])
        cfn = client("cloudformation")
        stack = f"nested{suffix}"
        cfn.create_stack(StackName=stack, TemplateBody=json.dumps(parent))
        status = settled(cfn, stack)["StackStatus"]
        if suffix == "-a":  # the object its TemplateURL names: enough
            assert status == "CREATE_COMPLETE", failures(cfn, stack)
        else:
            assert status != "CREATE_COMPLETE"
            named = "arn:aws:s3:::nested-tpl/child.json"
            assert any("s3:GetObject" in f and named in f for f in failures(cfn, stack))

"""A WAFv2 resource of CloudFront scope is named `global/...` in its ARN, as AWS names it.

Its `Scope` property is `CLOUDFRONT` or `REGIONAL`; the ARN holds `global` or `regional`
(autofix/data/curated/arn_field_values.json, with its source). The sandbox demanded and the
policy granted `...:CLOUDFRONT/webacl/...`, an ARN no AWS request carries
(playground/services/cdk-static-site).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from autofix.policy.arn_formats import Place, arn_of
from autofix.predict.template import Place as StackPlace
from autofix.predict.template import predict
from tests.sandbox.stacks import failures, settled

_RULE = {
    "Name": "common",
    "Priority": 0,
    "OverrideAction": {"None": {}},
    "Statement": {
        "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}
    },
    "VisibilityConfig": {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": "common",
    },
}


def _template(scope: str) -> dict[str, Any]:
    visibility = {**_RULE["VisibilityConfig"], "MetricName": "edge"}
    acl = {
        "Scope": scope,
        "DefaultAction": {"Allow": {}},
        "Rules": [_RULE],
        "VisibilityConfig": visibility,
    }
    return {"Resources": {"Edge": {"Type": "AWS::WAFv2::WebACL", "Properties": acl}}}


def test_an_arn_names_the_scope_as_aws_does() -> None:
    place = Place("123456789012", "us-east-1", "aws")
    for scope, named in (("CLOUDFRONT", "global"), ("REGIONAL", "regional")):
        arn = arn_of("AWS::WAFv2::WebACL", "edge", place, {"Scope": scope, "Id": "1"})
        assert arn == f"arn:aws:wafv2:us-east-1:123456789012:{named}/webacl/edge/1"


def test_a_cloudfront_web_acl_deploys_with_grants_on_global_arns(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    account = operator_client("sts").get_caller_identity()["Account"]
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "wafv2:*",
                "Resource": f"arn:aws:wafv2:us-east-1:{account}:global/*",
            },
        ]
    )
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName="edge-acl", TemplateBody=json.dumps(_template("CLOUDFRONT")))
    status = settled(cfn, "edge-acl")["StackStatus"]
    assert status == "CREATE_COMPLETE", failures(cfn, "edge-acl")


def test_a_cloudfront_web_acl_is_predicted_on_global_arns() -> None:
    place = StackPlace("edge", Place("123456789012", "us-east-1"))
    groups = predict(_template("CLOUDFRONT"), place, ("create",))  # type: ignore[arg-type]
    resources = {r.resource for g in groups for r in g.requirements if r.action.startswith("wafv2")}
    assert resources, "no wafv2 demand predicted"
    scoped = [r for r in resources if r != "*"]
    assert scoped and all(":global/" in r for r in scoped), sorted(resources)

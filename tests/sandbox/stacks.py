"""Waiting on a sandbox stack and reading its failures, for the sandbox's boto3 tests."""

from __future__ import annotations

import time
from typing import Any


def trusting(service: str) -> dict[str, Any]:
    """A role's trust policy letting `service` assume it."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return {"Version": "2012-10-17", "Statement": [statement]}


LAMBDA_TRUST = trusting("lambda.amazonaws.com")
CLOUDFORMATION_TRUST = trusting("cloudformation.amazonaws.com")

# A minimal Redshift cluster (moto's model has no physical id of its own).
REDSHIFT_CLUSTER: dict[str, Any] = {
    "Type": "AWS::Redshift::Cluster",
    "Properties": {
        "ClusterType": "single-node",
        "NodeType": "dc2.large",
        "DBName": "db",
        "MasterUsername": "admin",
        "MasterUserPassword": "Passw0rd1",
    },
}


def settled(cfn: Any, name: str, tries: int = 200) -> dict[str, Any]:
    """The stack once no longer IN_PROGRESS (polled every 0.1 s, `tries` times)."""
    for _ in range(tries):
        stack: dict[str, Any] = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS"):
            return stack
        time.sleep(0.1)
    raise AssertionError(f"{name} did not settle")


def failures(cfn: Any, name: str) -> list[str]:
    """The reasons of the stack's FAILED events."""
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return [e.get("ResourceStatusReason", "") for e in events if "FAILED" in e["ResourceStatus"]]

"""A denial on `*` of an action whose resource types are all optional is granted on `*`:
a request naming none of them is authorised on `*` and only a grant there meets it (issue
18); the guard then judges it there. An action that requires a resource type is never
authorised on `*` by AWS: its `*` denial stays scoped (a demand no grant can meet, said so).
"""

from __future__ import annotations

from autofix.denials.model import Denial
from autofix.policy import actions_catalog
from autofix.policy.scope import ScopeContext, grants_for

ACCOUNT = "123456789012"
CTX = ScopeContext(
    ACCOUNT,
    "us-east-1",
    service_names=("photos",),
    stages=("dev",),
    resources_seen=(f"arn:aws:rds:us-east-1:{ACCOUNT}:subgrp:photos-dev-db",),
)


def _granted(action: str, resource: str | None) -> list[str]:
    return [g.resource for g in grants_for([Denial(action, resource)], CTX)]


def test_a_describe_that_may_name_a_group_is_granted_on_any_when_denied_there() -> None:
    info = actions_catalog.lookup("rds:DescribeDBSubnetGroups")
    assert info is not None and info.resource_types
    assert not any(rt.required for rt in info.resource_types)
    assert _granted("rds:DescribeDBSubnetGroups", "*") == ["*"]
    note = grants_for([Denial("rds:DescribeDBSubnetGroups", "*")], CTX)[0].note
    assert "all optional" in note


def test_denied_on_a_resource_or_on_none_it_stays_scoped() -> None:
    group = f"arn:aws:rds:us-east-1:{ACCOUNT}:subgrp:photos-dev-db"
    assert _granted("rds:DescribeDBSubnetGroups", group) == [group]
    assert _granted("rds:DescribeDBSubnetGroups", None) == [group]  # from what was seen


def test_an_action_requiring_a_resource_is_not_granted_on_any() -> None:
    info = actions_catalog.lookup("lambda:CreateFunction")
    assert info is not None and any(rt.required for rt in info.resource_types)
    assert "*" not in _granted("lambda:CreateFunction", "*")

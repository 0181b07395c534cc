"""A physical id for a moto model that has none (moto's Redshift cluster, among others).

CloudFormation knows every resource by its physical id, and `Ref` returns it: the value of
the type's `primaryIdentifier` (provider schema, autofix/data/derived/cfn_types.json). A
moto model with neither `physical_resource_id` nor an `id` left the resource without one:
`Ref` rendered the Python object, events and ListStackResources showed an empty id, and the
delete handler's demands had no resource to name (`redshift:DeleteCluster` on `*`). Such a
model gets one: the attribute named after its single primary identifier
(`ClusterIdentifier` -> `cluster_identifier`), else the physical name it was created with,
and is marked (`GIVEN`) so that a stack delete can take it out of its backend when moto has
no delete for it either (types/undeletable.py). A model with an `id` and no
`physical_resource_id` (an API Gateway deployment) answers its `id` as one: moto's `Ref`
reads only `physical_resource_id`, so a stage's `DeploymentId` was the Python object, and
an update that reconsidered the stage found it changed and ran its update handler.
"""

from __future__ import annotations

import re
from typing import Any

from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.state import physical_id

GIVEN = "autofix_physical_id_given"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    """`ClusterIdentifier` -> `cluster_identifier`."""
    return _CAMEL.sub("_", name).lower()


def given_physical_id(resource: Any, resource_type: str, physical_name: str) -> None:
    """Give `resource` a physical id when its moto model has none (else leave it alone)."""
    if physical_id(resource):
        _id_as_physical_id(resource)
        return
    schema = type_schema(resource_type)
    ids = schema.ids if schema else ()
    value = getattr(resource, snake(ids[0]), None) if len(ids) == 1 else None
    chosen = value if isinstance(value, str) and value else physical_name
    if not chosen:
        return
    try:
        resource.physical_resource_id = chosen
    except AttributeError:  # a read-only property that answered nothing: leave it
        return
    setattr(resource, GIVEN, True)


def _id_as_physical_id(resource: Any) -> None:
    """A model known by its `id` alone (an API Gateway deployment) answers it as its
    `physical_resource_id` too, which moto's `Ref` reads: it rendered the Python object."""
    if isinstance(getattr(resource, "physical_resource_id", None), str):
        return
    try:
        resource.physical_resource_id = physical_id(resource)
    except AttributeError:  # a read-only property: leave it
        return


def was_given(resource: Any) -> bool:
    """Whether `resource`'s physical id is one `given_physical_id` gave it."""
    return getattr(resource, GIVEN, False) is True

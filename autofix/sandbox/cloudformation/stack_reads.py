"""Reading a stack's resources never creates them.

moto's ResourceMap creates a template resource lazily the first time it is looked up,
and ListStackResources / DescribeStackResources look every one up. Reading a stack
whose creation stopped at a denial (ROLLBACK_COMPLETE) then created the resources
CloudFormation never got to, as nobody, outside any permission check; its delete then
failed. In AWS these reads have no side effect: here they list what was created.
"""

from __future__ import annotations

from typing import Any


def created_resources(stack: Any) -> list[Any]:
    """The stack's resources that exist, in template order, without creating any."""
    resource_map = stack.resource_map
    parsed: dict[str, Any] = resource_map._parsed_resources
    return [
        parsed[logical_id]
        for logical_id in resource_map.resources
        if parsed.get(logical_id) is not None
    ]


def install() -> None:
    from moto.cloudformation.models import Stack

    Stack.stack_resources = property(created_resources)  # type: ignore[method-assign,assignment]

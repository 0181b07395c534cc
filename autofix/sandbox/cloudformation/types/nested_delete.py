"""A nested stack whose deletion fails fails its parent's deletion, as in CloudFormation."""

from __future__ import annotations

from typing import Any


def deleted(logical_id: str, resource: Any) -> None:
    """A nested stack whose deletion failed fails its AWS::CloudFormation::Stack resource, so
    its parent's deletion fails too (DELETE_FAILED), as CloudFormation's does; before, the
    parent was DELETE_COMPLETE with the nested stack's resources left behind."""
    from moto.cloudformation.models import Stack

    from autofix.sandbox.cloudformation.state import ResourceFailed

    if not isinstance(resource, Stack) or resource.status != "DELETE_FAILED":
        return
    why = last_reason(resource, "DELETE_FAILED")
    reason = f"Embedded stack {resource.stack_id} was not successfully deleted: {why}"
    raise ResourceFailed(logical_id, "AWS::CloudFormation::Stack", "delete", reason)


def last_reason(stack: Any, status: str) -> str:
    """The reason of the stack's last event of `status`, else its status."""
    return str(
        next(
            (
                e.resource_status_reason
                for e in reversed(stack.events)
                if e.resource_status == status and e.resource_status_reason
            ),
            stack.status,
        )
    )

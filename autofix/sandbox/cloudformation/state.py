"""The stack operation in progress: who acts, its failures, its events and resource state.

Shared by the resource handlers (cloudformation.handlers) and the stack flows
(cloudformation.stacks, cloudformation.updates, cloudformation.change_sets).
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation.models import Event, Stack
from moto.core.utils import utcnow

from autofix.sandbox.cloudformation.caller import Caller, caller_for_role
from autofix.sandbox.cloudformation.demands.requirements import Operation

NESTED_STACK = "AWS::CloudFormation::Stack"


class ResourceFailed(Exception):
    """A resource handler failed: the stack must roll back (or the delete fails)."""

    def __init__(self, logical_id: str, resource_type: str, operation: Operation, reason: str):
        super().__init__(reason)
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.operation = operation
        self.reason = reason


class ResourcesFailed(Exception):
    """Every resource of one dependency wave that failed."""

    def __init__(self, failures: list[ResourceFailed]) -> None:
        super().__init__("; ".join(f.reason for f in failures))
        self.failures = failures


@dataclass
class StackOperation:
    """The operation in progress on one stack, and who acts."""

    stack: Stack
    caller: Caller | None
    checks: bool = True
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


_CURRENT: contextvars.ContextVar[StackOperation | None] = contextvars.ContextVar(
    "autofix_cfn_operation", default=None
)


@contextmanager
def acting(op: StackOperation) -> Iterator[StackOperation]:
    """Make `op` the operation the patched resource handlers act for."""
    token = _CURRENT.set(op)
    try:
        yield op
    finally:
        _CURRENT.reset(token)


def operation_for(resources_map: Any) -> StackOperation | None:
    """The operation acting on `resources_map`, or None (moto's own flows: unchecked)."""
    op = _CURRENT.get()
    if op is None or op.stack.resource_map is not resources_map:
        return None
    return op


def add_event(
    stack: Stack,
    logical_id: str,
    resource_type: str,
    status: str,
    reason: str | None = None,
    physical_id: str = "",
    properties: Any = None,
) -> None:
    event = Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=logical_id,
        physical_resource_id=physical_id,
        resource_type=resource_type,
        resource_status=status,
        resource_status_reason=reason,
        resource_properties=json.dumps(properties, default=str) if properties is not None else None,
    )
    event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
    stack.events.append(event)


def stack_event(stack: Stack, status: str, reason: str | None = None) -> None:
    """Set the stack's status with its event; an update or delete stamps its time.

    ListStacks/DescribeStacks then carry LastUpdatedTime and DeletionTime (moto's
    summaries have only CreationTime), which is how a stack updated during an
    attempt is found.
    """
    if status in ("UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"):
        stack.last_updated_time = utcnow()  # type: ignore[attr-defined]
    elif status == "DELETE_IN_PROGRESS":
        stack.deletion_time = utcnow()  # type: ignore[attr-defined]
    stack.status = status
    stack._add_stack_event(status, resource_status_reason=reason)


def props_store(resources_map: Any) -> dict[str, Any]:
    store: dict[str, Any] | None = getattr(resources_map, "_autofix_props", None)
    if store is None:
        store = {}
        resources_map._autofix_props = store
    return store


def creation_order(resources_map: Any) -> list[str]:
    order: list[str] | None = getattr(resources_map, "_autofix_order", None)
    if order is None:
        order = []
        resources_map._autofix_order = order
    return order


def physical_id(resource: Any) -> str:
    if isinstance(resource, Stack):
        return str(resource.stack_id)  # a nested stack is known by its ARN
    value = getattr(resource, "physical_resource_id", None)
    if not isinstance(value, str):
        value = getattr(resource, "id", "")  # moto's API Gateway deployments have only an id
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------- who acts

_REQUEST_CALLER: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "autofix_cfn_request_caller", default=None
)
_REQUEST_ROLE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "autofix_cfn_request_role", default=None
)


@contextmanager
def request_caller(caller: Caller | None, role_arn: str | None) -> Iterator[None]:
    """Bind the principal that signed the current CloudFormation request."""
    caller_token = _REQUEST_CALLER.set(caller)
    role_token = _REQUEST_ROLE.set(role_arn)
    try:
        yield
    finally:
        _REQUEST_CALLER.reset(caller_token)
        _REQUEST_ROLE.reset(role_token)


def acting_caller(stack: Stack, role_arn: str | None) -> Caller | None:
    """The service role (given now, or kept by the stack) or else the request's signer."""
    signer = _REQUEST_CALLER.get()
    if signer is None:  # IAM not enforced for this request: nothing is checked
        return None
    role = role_arn or stack.role_arn
    return caller_for_role(stack.account_id, role) if role else signer


def parent_service_role() -> str | None:
    """The service role of the stack whose operation is making a stack now (a nested
    stack's parent), or None. CloudFormation creates a nested stack with its parent's
    service role, passing the role to itself: the root stack's execution role needs
    iam:PassRole on its own ARN (the nested stack's RoleARN reads back as the parent's,
    https://github.com/go-to-k/cdk-real-drift/issues/1284; the denial of a CDK execution
    role without it, https://github.com/aws-samples/sample-autonomous-cloud-coding-agents/issues/865)."""
    parent = _CURRENT.get()
    return getattr(parent.stack, "role_arn", None) if parent is not None else None


def request_role() -> str | None:
    """The service role named by the current request (RoleARN), if any."""
    return _REQUEST_ROLE.get()

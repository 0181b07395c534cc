"""Stack flows: create (with rollback) and delete, acting with the caller's permissions.

Patched over moto's `CloudFormationBackend.create_stack` and `delete_stack`
(see cloudformation.PATCHES). A denied resource fails, the stack rolls back
(ROLLBACK_COMPLETE), or its deletion deletes what it can and ends DELETE_FAILED, with
real events.
"""

from __future__ import annotations

import warnings
from typing import Any

from moto.cloudformation.exceptions import AlreadyExistsException
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.utils import generate_stack_id
from moto.ec2.models import ec2_backends
from moto.ec2.models.core import TaggedEC2Resource

from autofix.sandbox.cloudformation.state import (
    ResourceFailed,
    ResourcesFailed,
    StackOperation,
    acting,
    acting_caller,
    add_event,
    creation_order,
    parent_service_role,
    physical_id,
    request_role,
    stack_event,
)
from autofix.sandbox.cloudformation.validation import validate_types
from autofix.sandbox.cloudformation.waves import creation_waves, dependencies, provision_in_waves

# moto's private ResourceMap method that orders resources by DependsOn
DEPENDENCY_ORDER = "_ResourceMap__get_resources_in_dependency_order"
_PHASE_STATUS = {"create": "CREATE", "update": "UPDATE", "delete": "DELETE"}


def fail_event(op: StackOperation, failure: ResourceFailed) -> None:
    """The resource's `*_FAILED` event; a failed create or update carries the properties it
    was given (`ResourceProperties`, as CloudFormation's events do)."""
    status = f"{_PHASE_STATUS[failure.operation]}_FAILED"
    body = (getattr(op.stack.resource_map, "_resource_json_map", None) or {}).get(
        failure.logical_id
    )
    properties = body.get("Properties") if isinstance(body, dict) else None
    if failure.operation == "delete":
        properties = None
    add_event(
        op.stack,
        failure.logical_id,
        failure.resource_type,
        status,
        failure.reason,
        properties=properties,
    )


def failed_phrase(failures: list[ResourceFailed]) -> str:
    """`The following resource(s) failed to create: [A, B]. ` (one clause per operation)."""
    clauses = []
    for operation in ("create", "update", "delete"):
        names = [f.logical_id for f in failures if f.operation == operation]
        if names:
            clauses.append(
                f"The following resource(s) failed to {operation}: [{', '.join(names)}]. "
            )
    return "".join(clauses)


def create_all(op: StackOperation, template: dict[str, Any]) -> bool:
    """ResourceMap.create, one dependency wave at a time; raises ResourcesFailed."""
    rm = op.stack.resource_map
    rm._template = template
    rm._resource_json_map = template["Resources"]
    rm.tags.update(
        {
            "aws:cloudformation:stack-name": rm["AWS::StackName"],
            "aws:cloudformation:stack-id": rm["AWS::StackId"],
        }
    )
    names = getattr(rm, DEPENDENCY_ORDER)()
    failures = provision_in_waves(
        op, creation_waves(rm._resource_json_map, names), lambda name: rm[name]
    )
    if failures:
        raise ResourcesFailed(failures)
    all_ready = True
    for name in names:
        instance = rm[name]
        if isinstance(instance, TaggedEC2Resource):
            rm.tags["aws:cloudformation:logical-id"] = name
            backend = ec2_backends[rm._account_id][rm._region_name]
            backend.create_tags([instance.physical_resource_id], rm.tags)
        if instance and not instance.is_created():
            all_ready = False
    return all_ready


def delete_quietly_listed(op: StackOperation, names: list[str]) -> None:
    """Delete `names` (newest first) without permission checks, as a rollback does."""
    rm = op.stack.resource_map
    op.checks = False
    for name in reversed(names):
        resource = rm._parsed_resources.get(name)
        if resource is None or isinstance(resource, str):
            continue
        resource_json = rm._resource_json_map.get(name) or {"Type": resource.cf_resource_type}
        try:
            rm._delete_resource(resource, resource_json)
        except Exception as exc:
            add_event(op.stack, name, resource_json["Type"], "DELETE_FAILED", str(exc))
            continue
        rm._parsed_resources.pop(name, None)


def roll_back_create(op: StackOperation, failures: list[ResourceFailed]) -> None:
    """A new stack failed: remove what was created, end in ROLLBACK_COMPLETE."""
    for failure in failures:
        fail_event(op, failure)
    stack_event(
        op.stack, "ROLLBACK_IN_PROGRESS", failed_phrase(failures) + "Rollback requested by user."
    )
    delete_quietly_listed(op, list(op.created))
    for failure in failures:
        add_event(op.stack, failure.logical_id, failure.resource_type, "DELETE_COMPLETE")
    stack_event(op.stack, "ROLLBACK_COMPLETE")


def create_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    parameters: dict[str, Any],
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
    enable_termination_protection: bool | None = False,
    timeout_in_mins: int | None = None,
    stack_policy_body: str | None = None,
) -> Stack:
    """CloudFormationBackend.create_stack with permission checks and rollback."""
    if name in [stack.name for stack in self.stacks.values()]:
        raise AlreadyExistsException(f"Stack {name} already exists")
    validate_types(template)
    role_arn = role_arn or parent_service_role()
    stack = Stack(  # type: ignore[abstract]
        stack_id=generate_stack_id(name, self.region_name, self.account_id),
        name=name,
        template=template,
        parameters=parameters,
        account_id=self.account_id,
        region_name=self.region_name,
        notification_arns=notification_arns,
        tags=tags,
        role_arn=role_arn,
        cross_stack_resources=self.exports,
        enable_termination_protection=enable_termination_protection,
        timeout_in_mins=timeout_in_mins,
        stack_policy_body=stack_policy_body,
    )
    self.stacks[stack.stack_id] = stack
    stack_event(stack, "CREATE_IN_PROGRESS", "User Initiated")
    with acting(StackOperation(stack, acting_caller(stack, role_arn))) as op:
        try:
            all_ready = create_all(op, stack.template_dict)
            self._validate_export_uniqueness(stack)
        except ResourcesFailed as failed:
            roll_back_create(op, failed.failures)
            return stack
    for export in stack.exports:
        self.exports[export.name] = export
    if all_ready:
        stack.mark_creation_complete()
    else:
        stack.status = "CREATE_IN_PROGRESS"
    return stack


def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    """CloudFormationBackend.delete_stack: checked. As CloudFormation does, a resource that
    fails to delete stays, with what it needs; every other resource is deleted; the stack
    ends DELETE_FAILED naming every failure."""
    stack = self.stacks.get(name_or_stack_id) or next(
        (s for s in self.stacks.values() if s.name == name_or_stack_id), None
    )
    if stack is None:
        return
    stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
    rm = stack.resource_map
    with acting(StackOperation(stack, acting_caller(stack, request_role()))) as op:
        order = creation_order(rm)
        names = [n for n in rm._resource_json_map if n in rm._parsed_resources]
        names.sort(key=lambda n: order.index(n) if n in order else -1, reverse=True)
        needs = dependencies(rm._resource_json_map, names)
        failures: list[ResourceFailed] = []
        kept: set[str] = set()  # failed, or needed by a resource that is still there
        for name in names:
            if any(name in needs[other] for other in kept):
                kept.add(name)
                continue
            resource_json = rm._resource_json_map[name]
            resource = rm._parsed_resources.get(name)
            if resource_json.get("DeletionPolicy") == "Retain":
                add_event(
                    stack,
                    name,
                    resource_json["Type"],
                    "DELETE_SKIPPED",
                    physical_id=physical_id(resource),
                )
                continue
            try:
                rm._delete_resource(resource, resource_json)
            except ResourceFailed as failure:
                fail_event(op, failure)
                failures.append(failure)
                kept.add(name)
                continue
            except Exception as exc:
                warnings.warn(f"could not delete {name}: {exc}", stacklevel=2)
            rm._parsed_resources.pop(name, None)
        if failures:
            stack_event(stack, "DELETE_FAILED", failed_phrase(failures))
            return
    stack_event(stack, "DELETE_COMPLETE")
    self.stacks.pop(stack.stack_id, None)
    self.deleted_stacks[stack.stack_id] = stack
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        self.exports.pop(name)
    # Real CloudFormation deletes a stack's change sets with it; moto keeps them, and a
    # later ExecuteChangeSet by name would find the dead stack's change set.
    for change_set_id in [i for i, cs in self.change_sets.items() if cs.stack_id == stack.stack_id]:
        self.change_sets.pop(change_set_id)

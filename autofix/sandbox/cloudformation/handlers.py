"""Resource handlers: moto's create/update/delete of one resource, checked and evented.

Patched over moto's `parsing.parse_and_create_resource`, `parse_and_update_resource`
and `ResourceMap._delete_resource` (see cloudformation.PATCHES). Every handler call
is checked against the acting principal (cloudformation.caller) using the handler's
needs (cloudformation.demands.requirements); a denial raises ResourceFailed.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import Stack

from autofix.policy.arn_formats import Place
from autofix.sandbox.cloudformation.caller import (
    Caller,
    Verdict,
    access_denied_reason,
    evaluate,
    handler_failure_reason,
)
from autofix.sandbox.cloudformation.demands.requirements import HandlerCall, Operation, Requirement
from autofix.sandbox.cloudformation.demands.tiers import (
    coverage_record,
    demands_for,
    unverified_why,
)
from autofix.sandbox.cloudformation.intrinsics import parsed_resource
from autofix.sandbox.cloudformation.known import known_resources
from autofix.sandbox.cloudformation.patches import original
from autofix.sandbox.cloudformation.state import (
    NESTED_STACK,
    ResourceFailed,
    StackOperation,
    add_event,
    creation_order,
    operation_for,
    props_store,
)
from autofix.sandbox.cloudformation.state import physical_id as resource_physical_id
from autofix.sandbox.cloudformation.types import nested_delete, undeletable
from autofix.sandbox.cloudformation.types.physical_ids import given_physical_id
from autofix.sandbox.fidelity import names, rehearsal
from autofix.sandbox.fidelity.enforcement import write_denial
from autofix.sandbox.fidelity.request_keys import denied_keys, handler_keys
from autofix.sandbox.records import coverage_log, unverified_log
from autofix.sandbox.records.deny_log import DenyRecord


def check(op: StackOperation, call: HandlerCall, after_create: bool) -> None:
    """Raise ResourceFailed at the first requirement the acting principal is denied.

    How each call is checked is recorded (its tier); one it cannot check, as unverified.
    """
    if not op.checks or op.caller is None:
        return
    if not after_create:
        coverage_log.record(coverage_record(call, op.stack.name))
    if not after_create and call.operation != "delete":
        why = unverified_why(call.resource_type)
        if why is not None:
            unverified_log.record(call.resource_type, call.logical_id, op.stack.name, why)
    for req in demands_for(call):
        if req.after_create == after_create:
            _demand(op.caller, call, req, op.stack.name)


def _demand(caller: Caller, call: HandlerCall, req: Requirement, stack: str) -> None:
    keys = handler_keys(call.resource_type, req.action, req.resource, call.properties, req.keys)
    verdict = evaluate(caller, req.action, req.resource, call.place.region, keys)
    if verdict is Verdict.ALLOWED:
        return
    reason = access_denied_reason(caller, req.action, req.resource, verdict)
    service = req.action.partition(":")[0]
    write_denial(
        DenyRecord(
            time=datetime.now(UTC).isoformat(),
            principal=caller.arn,
            access_key_id="",
            action=req.action,
            resource=req.resource,
            deny="explicit-identity" if verdict is Verdict.EXPLICIT_DENY else "implicit",
            message=reason,
            service=service,
            operation=f"{call.resource_type} {call.operation}",
            request_id="",
            demand=req.tier,
            logical_id=call.logical_id,
            stack=stack,
            **denied_keys(keys, req.keys),
        )
    )
    raise ResourceFailed(call.logical_id, call.resource_type, call.operation, reason)


def _call(
    resources_map: Any,
    operation: Operation,
    logical_id: str,
    resource_type: str,
    physical_name: str,
    properties: Any,
    physical_id: str | None = None,
    old_properties: Any = None,
) -> HandlerCall:
    rm, op = resources_map, operation_for(resources_map)
    return HandlerCall(
        resource_type=resource_type,
        operation=operation,
        logical_id=logical_id,
        physical_name=physical_name,
        properties=properties if isinstance(properties, dict) else {},
        place=Place(rm._account_id, rm._region_name, str(rm["AWS::Partition"])),
        physical_id=physical_id,
        old_properties=old_properties if isinstance(old_properties, dict) else {},
        known=known_resources(rm._account_id, rm._region_name),
        service_role=str(getattr(op.stack, "role_arn", None) or "") if op else "",
    )


@dataclass(frozen=True)
class ResourceArgs:
    """What moto's parsing hands a resource handler (`parse_and_create_resource`, ...)."""

    logical_id: str
    resource_json: dict[str, Any]
    resources_map: Any
    account_id: str
    region_name: str


def _handler(
    moto_name: str, handler: Callable[[StackOperation, ResourceArgs], Any]
) -> Callable[[str, dict[str, Any], Any, str, str], Any]:
    """`parsing.<moto_name>` as moto has it outside the sandbox's stack operations (a
    stack of moto's own), `handler` within one."""

    def patched(
        logical_id: str,
        resource_json: dict[str, Any],
        resources_map: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        op = operation_for(resources_map)
        if op is None:
            return original(parsing, moto_name)(
                logical_id, resource_json, resources_map, account_id, region_name
            )
        args = ResourceArgs(logical_id, resource_json, resources_map, account_id, region_name)
        return handler(op, args)

    patched.__doc__ = f"parsing.{moto_name}, checked and with resource events."
    return patched


def _create(op: StackOperation, args: ResourceArgs) -> Any:
    logical_id, resource_json = args.logical_id, args.resource_json
    resources_map = args.resources_map
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None
    resource_type = resource_json["Type"]
    parsed = parsed_resource(logical_id, resource_json, resources_map, "create")
    if not parsed:
        return None
    resource_class, cleaned, physical_name = parsed
    props = cleaned.get("Properties") or {}
    physical_name = names.suffixed(resource_type, props, physical_name)
    as_written = copy.deepcopy(props)  # moto's handlers edit `props` (Lambda's ZipFile)
    add_event(op.stack, logical_id, resource_type, "CREATE_IN_PROGRESS", properties=props)
    call = _call(resources_map, "create", logical_id, resource_type, physical_name, props)
    check(op, call, after_create=False)
    kwargs = {
        "LogicalId": logical_id,
        "StackId": resources_map.stack_id,
        "ResourceType": resource_type,
    }
    try:
        resource = resource_class.create_from_cloudformation_json(
            physical_name,
            names.with_generated_name(resource_type, cleaned, physical_name),
            args.account_id,
            args.region_name,
            **kwargs,
        )
    except ResourceFailed:
        raise
    except Exception as exc:  # the service refused: the handler fails, the stack rolls back
        reason = handler_failure_reason(str(exc), "GeneralServiceException")
        raise ResourceFailed(logical_id, resource_type, "create", reason) from exc
    resource.cf_resource_type = resource_type
    resource.logical_resource_id = logical_id
    given_physical_id(resource, resource_type, physical_name)  # a model without one gets one
    physical_id = resource_physical_id(resource)
    add_event(
        op.stack,
        logical_id,
        resource_type,
        "CREATE_IN_PROGRESS",
        "Resource creation Initiated",
        physical_id,
        props,
    )
    try:
        check(
            op,
            _call(
                resources_map,
                "create",
                logical_id,
                resource_type,
                physical_name,
                props,
                physical_id or None,
            ),
            after_create=True,
        )
        _embedded_stack_created(logical_id, resource)
    except ResourceFailed:
        _quiet_delete(resources_map, resource, cleaned)  # the handler cleans up after itself
        raise
    props_store(resources_map)[logical_id] = as_written
    creation_order(resources_map).append(logical_id)
    op.created.append(logical_id)
    add_event(op.stack, logical_id, resource_type, "CREATE_COMPLETE", None, physical_id, props)
    return resource


def _update(op: StackOperation, args: ResourceArgs) -> Any:
    logical_id, resource_json = args.logical_id, args.resource_json
    resources_map = args.resources_map
    parsed = parsed_resource(logical_id, resource_json, resources_map, "update")
    if not parsed:
        return None
    resource_class, cleaned, new_name = parsed
    resource_type = resource_json["Type"]
    props = cleaned.get("Properties") or {}
    new_name = names.suffixed(resource_type, props, new_name)
    stored = props_store(resources_map).get(logical_id, {})
    changed = rehearsal.changed_properties(props, stored)
    if not changed:  # resolved as before: a change set leaves it alone, no handler runs
        return None
    cannot_update = hasattr(resource_class.update_from_cloudformation_json, "__isabstractmethod__")
    current = resources_map[logical_id]
    physical_id = resource_physical_id(current)
    add_event(op.stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", None, physical_id, props)
    replaced = rehearsal.replaces(resource_type, changed)
    if replaced:  # a new resource first; the old one is deleted in the cleanup
        _check_as_update(
            op, _call(resources_map, "create", logical_id, resource_type, new_name, props)
        )
    else:
        _check_as_update(
            op,
            _call(
                resources_map,
                "update",
                logical_id,
                resource_type,
                physical_id or new_name,
                props,
                physical_id or None,
                stored,
            ),
        )
    if cannot_update:  # moto cannot update this type: checked, its model kept as it is
        if replaced:
            _replaced_cleanup(op, resources_map, logical_id, resource_type, physical_id, stored)
        add_event(op.stack, logical_id, resource_type, "UPDATE_COMPLETE", None, physical_id, props)
        props_store(resources_map)[logical_id] = copy.deepcopy(props)
        if logical_id not in op.updated:  # a rollback puts its properties back
            op.updated.append(logical_id)
        return None
    as_written = copy.deepcopy(props)  # moto's handlers edit `props` (Lambda's ZipFile)
    moto_name, named = names.for_update(resource_type, cleaned, physical_id, new_name, replaced)
    try:
        new_resource = resource_class.update_from_cloudformation_json(
            original_resource=current,
            new_resource_name=moto_name,
            cloudformation_json=named,
            account_id=args.account_id,
            region_name=args.region_name,
        )
    except Exception as exc:
        reason = handler_failure_reason(str(exc), "GeneralServiceException")
        raise ResourceFailed(logical_id, resource_type, "update", reason) from exc
    if replaced:
        _replaced_cleanup(op, resources_map, logical_id, resource_type, physical_id, stored)
    new_resource.cf_resource_type = resource_type
    new_resource.logical_resource_id = logical_id
    # a model moto remade without an id (an IoT policy) keeps the one it had, or its new name
    given_physical_id(new_resource, resource_type, new_name if replaced else physical_id)
    props_store(resources_map)[logical_id] = as_written
    if logical_id not in op.updated:
        op.updated.append(logical_id)
    add_event(
        op.stack,
        logical_id,
        resource_type,
        "UPDATE_COMPLETE",
        None,
        resource_physical_id(new_resource),
        props,
    )
    return new_resource


def _check_as_update(op: StackOperation, call: HandlerCall) -> None:
    """Check `call`; a denial fails the resource's update (UPDATE_FAILED), whatever the call."""
    try:
        check(op, call, after_create=False)
        check(op, call, after_create=True)
    except ResourceFailed as failed:
        raise ResourceFailed(call.logical_id, call.resource_type, "update", failed.reason) from None


def _replaced_cleanup(
    op: StackOperation,
    resources_map: Any,
    logical_id: str,
    resource_type: str,
    physical_id: str,
    stored: Any,
) -> None:
    """The old resource's delete handler, checked; a denial leaves it (DELETE_FAILED) and the
    update stands, as in CloudFormation's UPDATE_COMPLETE_CLEANUP_IN_PROGRESS."""
    call = _call(
        resources_map, "delete", logical_id, resource_type, physical_id, stored, physical_id or None
    )
    try:
        check(op, call, after_create=False)
        check(op, call, after_create=True)
    except ResourceFailed as failed:
        add_event(op.stack, logical_id, resource_type, "DELETE_FAILED", failed.reason, physical_id)


create_resource = _handler("parse_and_create_resource", _create)
update_resource = _handler("parse_and_update_resource", _update)


def delete_resource(
    resources_map: Any, parsed_resource: Any, resource_json: dict[str, Any]
) -> None:
    """ResourceMap._delete_resource, checked and with resource events."""
    op = operation_for(resources_map)
    if op is None:
        delete_unchecked(resources_map, parsed_resource, resource_json)
        return
    logical_id = getattr(parsed_resource, "logical_resource_id", "")
    resource_type = resource_json["Type"]
    physical_id = resource_physical_id(parsed_resource)
    props = props_store(resources_map).get(logical_id, resource_json.get("Properties") or {})
    add_event(op.stack, logical_id, resource_type, "DELETE_IN_PROGRESS", None, physical_id)
    call = _call(
        resources_map, "delete", logical_id, resource_type, physical_id, props, physical_id or None
    )
    check(op, call, after_create=False)
    check(op, call, after_create=True)
    delete_unchecked(resources_map, parsed_resource, resource_json)
    nested_delete.deleted(logical_id, parsed_resource)  # its own deletion failed: so does this
    props_store(resources_map).pop(logical_id, None)
    order = creation_order(resources_map)
    if logical_id in order:
        order.remove(logical_id)
    add_event(op.stack, logical_id, resource_type, "DELETE_COMPLETE", None, physical_id)


def _embedded_stack_created(logical_id: str, resource: Any) -> None:
    """A nested stack that rolled back fails its AWS::CloudFormation::Stack resource."""
    if not isinstance(resource, Stack) or resource.status == "CREATE_COMPLETE":
        return
    why = nested_delete.last_reason(resource, "ROLLBACK_IN_PROGRESS")
    reason = f"Embedded stack {resource.stack_id} was not successfully created: {why}"
    raise ResourceFailed(logical_id, NESTED_STACK, "create", reason)


def _quiet_delete(resources_map: Any, resource: Any, resource_json: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):  # best effort, as a handler's own clean-up
        delete_unchecked(resources_map, resource, resource_json)


def delete_unchecked(resources_map: Any, resource: Any, resource_json: dict[str, Any]) -> None:
    """moto's own ResourceMap._delete_resource; a model moto cannot delete is forgotten."""
    if undeletable.cannot_delete(resource):
        undeletable.forget(resource, resources_map._account_id, resources_map._region_name)
    original(parsing.ResourceMap, "_delete_resource")(resources_map, resource, resource_json)

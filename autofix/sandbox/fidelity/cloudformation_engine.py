"""Stack operations that act with the caller's permissions, emit per-resource events, roll back.

Replaces moto's create/update/delete/change-set execution flows (moto 5.2.5) with
ones shaped like real CloudFormation: every resource handler call is checked
against the acting principal (cloudformation_caller) using the handler's needs
(cloudformation_requirements); a denial fails the resource and rolls the stack back.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import json
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto import settings
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import (
    ChangeSet,
    CloudFormationBackend,
    Event,
    Stack,
)
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import generate_stack_id
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import EmptyResult
from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.ec2.models.core import TaggedEC2Resource

from autofix.sandbox.fidelity import rehearsal
from autofix.sandbox.fidelity.cloudformation_caller import (
    Caller,
    Verdict,
    access_denied_reason,
    caller_from_headers,
    evaluate,
    handler_failure_reason,
)
from autofix.sandbox.fidelity.cloudformation_requirements import (
    HandlerCall,
    Operation,
    Requirement,
    requirements_for,
)

# moto's private ResourceMap method that orders resources by DependsOn
_DEPENDENCY_ORDER = "_ResourceMap__get_resources_in_dependency_order"
NESTED_STACK = "AWS::CloudFormation::Stack"
_PHASE_STATUS = {"create": "CREATE", "update": "UPDATE", "delete": "DELETE"}
_SUB_VARIABLE = re.compile(r"\$\{(?!!)([A-Za-z0-9.:]+)\}")


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
    token = _CURRENT.set(op)
    try:
        yield op
    finally:
        _CURRENT.reset(token)


def _operation_for(resources_map: Any) -> StackOperation | None:
    op = _CURRENT.get()
    if op is None or op.stack.resource_map is not resources_map:
        return None
    return op


# ---------------------------------------------------------------- events, state


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


def _props_store(resources_map: Any) -> dict[str, Any]:
    store: dict[str, Any] | None = getattr(resources_map, "_autofix_props", None)
    if store is None:
        store = {}
        resources_map._autofix_props = store
    return store


def _creation_order(resources_map: Any) -> list[str]:
    order: list[str] | None = getattr(resources_map, "_autofix_order", None)
    if order is None:
        order = []
        resources_map._autofix_order = order
    return order


def _physical_id(resource: Any) -> str:
    if isinstance(resource, Stack):
        return str(resource.stack_id)  # a nested stack is known by its ARN
    value = getattr(resource, "physical_resource_id", None)
    if not isinstance(value, str):
        value = getattr(resource, "id", "")  # moto's API Gateway deployments have only an id
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------- permission checks


def check(op: StackOperation, call: HandlerCall, after_create: bool) -> None:
    """Raise ResourceFailed at the first requirement the acting principal is denied."""
    if not op.checks or op.caller is None:
        return
    for req in requirements_for(call):
        if req.after_create == after_create:
            _demand(op.caller, call, req)


def _demand(caller: Caller, call: HandlerCall, req: Requirement) -> None:
    verdict = evaluate(caller, req.action, req.resource)
    if verdict is not Verdict.ALLOWED:
        reason = access_denied_reason(caller, req.action, req.resource, verdict)
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
    return HandlerCall(
        resource_type=resource_type,
        operation=operation,
        logical_id=logical_id,
        physical_name=physical_name,
        properties=properties if isinstance(properties, dict) else {},
        account_id=resources_map._account_id,
        region=resources_map._region_name,
        partition=str(resources_map["AWS::Partition"]),
        physical_id=physical_id,
        old_properties=old_properties if isinstance(old_properties, dict) else {},
    )


# ---------------------------------------------------------------- resource handlers (patched in)


def create_resource(
    logical_id: str,
    resource_json: dict[str, Any],
    resources_map: Any,
    account_id: str,
    region_name: str,
) -> Any:
    """parsing.parse_and_create_resource, checked and with resource events."""
    op = _operation_for(resources_map)
    if op is None:
        return _ORIGINALS["parse_and_create_resource"](
            logical_id, resource_json, resources_map, account_id, region_name
        )
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None
    resource_type = resource_json["Type"]
    parsed = parsing.parse_resource_and_generate_name(logical_id, resource_json, resources_map)
    if not parsed:
        return None
    resource_class, cleaned, physical_name = parsed
    props = cleaned.get("Properties") or {}
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
            physical_name, cleaned, account_id, region_name, **kwargs
        )
    except ResourceFailed:
        raise
    except Exception as exc:  # the service refused: the handler fails, the stack rolls back
        reason = handler_failure_reason(str(exc), "GeneralServiceException")
        raise ResourceFailed(logical_id, resource_type, "create", reason) from exc
    resource.cf_resource_type = resource_type
    resource.logical_resource_id = logical_id
    physical_id = _physical_id(resource)
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
    _props_store(resources_map)[logical_id] = as_written
    _creation_order(resources_map).append(logical_id)
    op.created.append(logical_id)
    add_event(op.stack, logical_id, resource_type, "CREATE_COMPLETE", None, physical_id, props)
    return resource


def update_resource(
    logical_id: str,
    resource_json: dict[str, Any],
    resources_map: Any,
    account_id: str,
    region_name: str,
) -> Any:
    """parsing.parse_and_update_resource, checked and with resource events."""
    op = _operation_for(resources_map)
    if op is None:
        return _ORIGINALS["parse_and_update_resource"](
            logical_id, resource_json, resources_map, account_id, region_name
        )
    parsed = parsing.parse_resource_and_generate_name(logical_id, resource_json, resources_map)
    if not parsed:
        return None
    resource_class, cleaned, new_name = parsed
    cannot_update = hasattr(resource_class.update_from_cloudformation_json, "__isabstractmethod__")
    if cannot_update and not rehearsal.active():  # rehearsal: checked all the same
        return None
    original = resources_map[logical_id]
    resource_type = resource_json["Type"]
    props = cleaned.get("Properties") or {}
    stored = _props_store(resources_map).get(logical_id, {})
    old_props = rehearsal.old_properties(resource_type, props, stored)  # rehearsal hook
    physical_id = _physical_id(original)
    add_event(op.stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", None, physical_id, props)
    call = _call(
        resources_map,
        "update",
        logical_id,
        resource_type,
        physical_id or new_name,
        props,
        physical_id or None,
        old_props,
    )
    check(op, call, after_create=False)
    check(op, call, after_create=True)
    if cannot_update or rehearsal.unchanged(props, stored):  # rehearsal: checked, kept as is
        add_event(op.stack, logical_id, resource_type, "UPDATE_COMPLETE", None, physical_id, props)
        return None
    try:
        new_resource = resource_class.update_from_cloudformation_json(
            original_resource=original,
            new_resource_name=new_name,
            cloudformation_json=cleaned,
            account_id=account_id,
            region_name=region_name,
        )
    except Exception as exc:
        reason = handler_failure_reason(str(exc), "GeneralServiceException")
        raise ResourceFailed(logical_id, resource_type, "update", reason) from exc
    new_resource.cf_resource_type = resource_type
    new_resource.logical_resource_id = logical_id
    _props_store(resources_map)[logical_id] = props
    if logical_id not in op.updated:
        op.updated.append(logical_id)
    add_event(
        op.stack,
        logical_id,
        resource_type,
        "UPDATE_COMPLETE",
        None,
        _physical_id(new_resource),
        props,
    )
    return new_resource


def delete_resource(
    resources_map: Any, parsed_resource: Any, resource_json: dict[str, Any]
) -> None:
    """ResourceMap._delete_resource, checked and with resource events."""
    op = _operation_for(resources_map)
    if op is None:
        _ORIGINALS["_delete_resource"](resources_map, parsed_resource, resource_json)
        return
    logical_id = getattr(parsed_resource, "logical_resource_id", "")
    resource_type = resource_json["Type"]
    physical_id = _physical_id(parsed_resource)
    props = _props_store(resources_map).get(logical_id, resource_json.get("Properties") or {})
    add_event(op.stack, logical_id, resource_type, "DELETE_IN_PROGRESS", None, physical_id)
    call = _call(
        resources_map, "delete", logical_id, resource_type, physical_id, props, physical_id or None
    )
    check(op, call, after_create=False)
    check(op, call, after_create=True)
    _ORIGINALS["_delete_resource"](resources_map, parsed_resource, resource_json)
    _props_store(resources_map).pop(logical_id, None)
    order = _creation_order(resources_map)
    if logical_id in order:
        order.remove(logical_id)
    add_event(op.stack, logical_id, resource_type, "DELETE_COMPLETE", None, physical_id)


def _embedded_stack_created(logical_id: str, resource: Any) -> None:
    """A nested stack that rolled back fails its AWS::CloudFormation::Stack resource."""
    if not isinstance(resource, Stack) or resource.status == "CREATE_COMPLETE":
        return
    why = next(
        (
            e.resource_status_reason
            for e in reversed(resource.events)
            if e.resource_status == "ROLLBACK_IN_PROGRESS" and e.resource_status_reason
        ),
        resource.status,
    )
    reason = f"Embedded stack {resource.stack_id} was not successfully created: {why}"
    raise ResourceFailed(logical_id, NESTED_STACK, "create", reason)


def _quiet_delete(resources_map: Any, resource: Any, resource_json: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):  # best effort, as a handler's own clean-up
        _ORIGINALS["_delete_resource"](resources_map, resource, resource_json)


# ---------------------------------------------------------------- stack flows


def _fail_event(op: StackOperation, failure: ResourceFailed) -> None:
    status = f"{_PHASE_STATUS[failure.operation]}_FAILED"
    add_event(op.stack, failure.logical_id, failure.resource_type, status, failure.reason)


def _failed_phrase(failures: list[ResourceFailed]) -> str:
    """`The following resource(s) failed to create: [A, B]. ` (one clause per operation)."""
    clauses = []
    for operation in ("create", "update", "delete"):
        names = [f.logical_id for f in failures if f.operation == operation]
        if names:
            clauses.append(
                f"The following resource(s) failed to {operation}: [{', '.join(names)}]. "
            )
    return "".join(clauses)


# ---------------------------------------------------------------- dependency waves


def references(node: Any) -> set[str]:
    """Logical ids a template fragment refers to: Ref, Fn::GetAtt and Fn::Sub `${X}`/`${X.Y}`."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) and value else value
                if isinstance(target, str):
                    found.add(target.split(".", 1)[0])
            elif key == "Fn::Sub":
                text, local = (value[0], value[1]) if isinstance(value, list) else (value, {})
                if isinstance(text, str):
                    names = {m.split(".", 1)[0] for m in _SUB_VARIABLE.findall(text)}
                    found |= names - set(local if isinstance(local, dict) else {})
                if isinstance(local, dict):
                    found |= references(local)
            else:
                found |= references(value)
    return found


def creation_waves(json_map: dict[str, Any], names: list[str]) -> list[list[str]]:
    """`names` grouped by dependency level, as CloudFormation provisions them in parallel.

    A resource is in the first wave whose predecessors (DependsOn, Ref, Fn::GetAtt,
    Fn::Sub, among `names`) are all in earlier waves; a cycle ends in one last wave.
    """
    wanted = set(names)
    needs: dict[str, set[str]] = {}
    for name in names:
        resource = json_map.get(name) or {}
        depends = resource.get("DependsOn", [])
        explicit = {depends} if isinstance(depends, str) else set(depends or [])
        needs[name] = ((references(resource) | explicit) & wanted) - {name}
    waves: list[list[str]] = []
    placed: set[str] = set()
    remaining = list(names)
    while remaining:
        wave = [n for n in remaining if needs[n] <= placed]
        if not wave:  # a cycle: moto resolves it lazily, one by one
            wave = remaining
        waves.append(wave)
        placed |= set(wave)
        remaining = [n for n in remaining if n not in placed]
    return waves


def provision_in_waves(
    op: StackOperation, waves: list[list[str]], provision: Any
) -> list[ResourceFailed]:
    """Provision each wave whole, then stop at the first wave with failures (all returned)."""
    failed: dict[str, ResourceFailed] = {}
    for wave in waves:
        for name in wave:
            if name in failed:
                continue
            try:
                provision(name)
            except ResourceFailed as failure:
                failed.setdefault(failure.logical_id, failure)
        if failed:
            return list(failed.values())
    return []


def _create_all(op: StackOperation, template: dict[str, Any]) -> bool:
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
    names = getattr(rm, _DEPENDENCY_ORDER)()
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


def _delete_quietly_listed(op: StackOperation, names: list[str]) -> None:
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
        _fail_event(op, failure)
    stack_event(
        op.stack, "ROLLBACK_IN_PROGRESS", _failed_phrase(failures) + "Rollback requested by user."
    )
    _delete_quietly_listed(op, list(op.created))
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
            all_ready = _create_all(op, stack.template_dict)
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


def execute_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> None:
    """CloudFormationBackend.execute_change_set: checked, rolled back, with Outputs."""
    change_set = _find_change_set(self, change_set_name)
    if change_set is None:
        raise ValidationError(stack_name)
    stack = self.stacks[change_set.stack_id]
    caller = acting_caller(stack, change_set.role_arn)
    if change_set.role_arn:
        stack.role_arn = change_set.role_arn
    if change_set.change_set_type == "CREATE":
        _execute_create(self, stack, change_set, caller)
    else:
        run_update(
            self, stack, change_set.template, change_set.parameters, caller, status_reason=None
        )
    change_set.execution_status = "EXECUTE_COMPLETE"


def _find_change_set(backend: CloudFormationBackend, name: str) -> ChangeSet | None:
    if name in backend.change_sets:
        return backend.change_sets[name]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name == name:
            return change_set
    return None


def _execute_create(
    backend: CloudFormationBackend, stack: Stack, change_set: ChangeSet, caller: Caller | None
) -> None:
    stack.template = change_set.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    rm = stack.resource_map
    rm._template = stack.template_dict
    rm._resource_json_map = stack.template_dict.get("Resources", {})
    rm.input_parameters = change_set.parameters or {}
    rm.cross_stack_resources = backend.exports
    rm.load()
    stack_event(stack, "CREATE_IN_PROGRESS", "User Initiated")
    with acting(StackOperation(stack, caller)) as op:
        try:
            _create_all(op, stack.template_dict)
            stack.output_map = stack._create_output_map()
            backend._validate_export_uniqueness(stack)
        except ResourcesFailed as failed:
            roll_back_create(op, failed.failures)
            return
    for export in stack.exports:
        backend.exports[export.name] = export
    stack_event(stack, "CREATE_COMPLETE")


def update_stack(
    self: Stack,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Stack.update (UpdateStack): checked, rolled back on failure."""
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[self.account_id][self.region_name]
    if role_arn:
        self.role_arn = role_arn
    run_update(
        backend,
        self,
        template,
        parameters,
        acting_caller(self, role_arn),
        status_reason="User Initiated",
    )
    if tags is not None and self.status == "UPDATE_COMPLETE":
        self.tags = tags


def run_update(
    backend: CloudFormationBackend,
    stack: Stack,
    template: str,
    parameters: dict[str, Any] | None,
    caller: Caller | None,
    status_reason: str | None,
) -> None:
    """Add and modify resources, then clean up removed ones; roll back on a failure."""
    rm = stack.resource_map
    new_dict = Stack.parse_template(template)
    saved = _RollbackState.capture(stack)
    diff = rehearsal.widen(rm.build_resource_diff(new_dict, parameters), new_dict)  # rehearsal hook
    stack_event(stack, "UPDATE_IN_PROGRESS", status_reason)
    with acting(StackOperation(stack, caller)) as op:

        def provision(name: str) -> None:
            if name in diff["Add"]:
                rm[name]
                return
            changed = parsing.parse_and_update_resource(
                name, rm._resource_json_map[name], rm, rm._account_id, rm._region_name
            )
            if changed is not None:
                rm._parsed_resources[name] = changed

        _point_at_template(rm, new_dict, parameters)
        changing = [
            n for n in getattr(rm, _DEPENDENCY_ORDER)() if n in diff["Add"] or n in diff["Modify"]
        ]
        failures = provision_in_waves(
            op, creation_waves(rm._resource_json_map, changing), provision
        )
        if failures:
            _roll_back_update(op, failures, saved)
            return
        stack.template = template
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        if parameters:
            stack.parameters = parameters
        stack_event(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        _clean_up_removed(op, saved, diff["Remove"])
    _refresh_exports(backend, stack)
    stack_event(stack, "UPDATE_COMPLETE")


def _point_at_template(
    rm: Any, template: dict[str, Any], parameters: dict[str, Any] | None
) -> None:
    rm._template = template
    if parameters:
        rm.input_parameters = parameters
    rm.load_mapping()
    rm.load_parameters()
    rm.load_conditions()
    rm._resource_json_map = template.get("Resources", {})


@dataclass
class _RollbackState:
    template: Any
    template_dict: dict[str, Any]
    rm_template: dict[str, Any]
    json_map: dict[str, Any]
    input_parameters: dict[str, Any]
    props: dict[str, Any]

    @classmethod
    def capture(cls, stack: Stack) -> _RollbackState:
        rm = stack.resource_map
        return cls(
            template=stack.template,
            template_dict=stack.template_dict,
            rm_template=rm._template,
            json_map=rm._resource_json_map,
            input_parameters=dict(rm.input_parameters or {}),
            props=dict(_props_store(rm)),
        )

    def restore(self, stack: Stack) -> None:
        stack.template = self.template
        stack.template_dict = self.template_dict
        _point_at_template(stack.resource_map, self.rm_template, self.input_parameters)
        stack.resource_map._resource_json_map = self.json_map


def _roll_back_update(
    op: StackOperation, failures: list[ResourceFailed], saved: _RollbackState
) -> None:
    stack = op.stack
    rm = stack.resource_map
    for failure in failures:
        _fail_event(op, failure)
    stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", _failed_phrase(failures))
    saved.restore(stack)
    op.checks = False
    for name in reversed(op.updated):  # put modified resources back as they were
        try:
            restored = parsing.parse_and_update_resource(
                name, rm._resource_json_map[name], rm, rm._account_id, rm._region_name
            )
        except ResourceFailed as exc:
            add_event(stack, name, exc.resource_type, "UPDATE_FAILED", exc.reason)
            continue
        if restored is not None:
            rm._parsed_resources[name] = restored
    stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    added = [n for n in op.created if n not in saved.json_map]
    rm._resource_json_map = {**saved.json_map, **{n: op_json(op, n) for n in added}}
    _delete_quietly_listed(op, added)
    for failure in failures:
        if failure.operation == "create":
            add_event(stack, failure.logical_id, failure.resource_type, "DELETE_COMPLETE")
    rm._resource_json_map = saved.json_map
    stack_event(stack, "UPDATE_ROLLBACK_COMPLETE")


def op_json(op: StackOperation, name: str) -> dict[str, Any]:
    resource = op.stack.resource_map._parsed_resources.get(name)
    return {"Type": getattr(resource, "cf_resource_type", "")}


def _clean_up_removed(op: StackOperation, saved: _RollbackState, removed: list[str]) -> None:
    rm = op.stack.resource_map
    order = _creation_order(rm)
    ranked = sorted(removed, key=lambda n: order.index(n) if n in order else -1, reverse=True)
    for name in ranked:
        resource_json = saved.json_map[name]
        resource = rm._parsed_resources.get(name)
        if resource_json.get("DeletionPolicy") == "Retain" or resource is None:
            add_event(
                op.stack,
                name,
                resource_json["Type"],
                "DELETE_SKIPPED",
                physical_id=_physical_id(resource),
            )
            rm._parsed_resources.pop(name, None)
            continue
        try:
            rm._delete_resource(resource, resource_json)
        except ResourceFailed as failure:
            _fail_event(op, failure)
            continue
        except Exception as exc:
            warnings.warn(f"could not delete {name}: {exc}", stacklevel=2)
            continue
        rm._parsed_resources.pop(name, None)


def _refresh_exports(backend: CloudFormationBackend, stack: Stack) -> None:
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        backend.exports.pop(name)
    for export in stack.exports:
        backend.exports[export.name] = export


def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    """CloudFormationBackend.delete_stack: checked; a denial leaves DELETE_FAILED."""
    stack = self.stacks.get(name_or_stack_id) or next(
        (s for s in self.stacks.values() if s.name == name_or_stack_id), None
    )
    if stack is None:
        return
    stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
    rm = stack.resource_map
    with acting(StackOperation(stack, acting_caller(stack, _REQUEST_ROLE.get()))) as op:
        order = _creation_order(rm)
        names = [n for n in rm._resource_json_map if n in rm._parsed_resources]
        names.sort(key=lambda n: order.index(n) if n in order else -1, reverse=True)
        for name in names:
            resource_json = rm._resource_json_map[name]
            resource = rm._parsed_resources.get(name)
            if resource_json.get("DeletionPolicy") == "Retain":
                add_event(
                    stack,
                    name,
                    resource_json["Type"],
                    "DELETE_SKIPPED",
                    physical_id=_physical_id(resource),
                )
                continue
            try:
                rm._delete_resource(resource, resource_json)
            except ResourceFailed as failure:
                _fail_event(op, failure)
                stack_event(stack, "DELETE_FAILED", _failed_phrase([failure]))
                return
            except Exception as exc:
                warnings.warn(f"could not delete {name}: {exc}", stacklevel=2)
            rm._parsed_resources.pop(name, None)
    stack_event(stack, "DELETE_COMPLETE")
    self.stacks.pop(stack.stack_id, None)
    self.deleted_stacks[stack.stack_id] = stack
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        self.exports.pop(name)
    # Real CloudFormation deletes a stack's change sets with it; moto keeps them, and a
    # later ExecuteChangeSet by name would find the dead stack's change set.
    for change_set_id in [i for i, cs in self.change_sets.items() if cs.stack_id == stack.stack_id]:
        self.change_sets.pop(change_set_id)


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
    from autofix.sandbox.fidelity.cloudformation_caller import caller_for_role

    signer = _REQUEST_CALLER.get()
    if signer is None:  # IAM not enforced for this request: nothing is checked
        return None
    role = role_arn or stack.role_arn
    return caller_for_role(stack.account_id, role) if role else signer


_ORIGINALS: dict[str, Any] = {}


# ---------------------------------------------------------------- change sets, recovery

TRANSFORM_ACTION = "cloudformation:CreateChangeSet"


def transform_arns(template_body: str, partition: str, region: str) -> list[str]:
    """The ARNs of the macros a template's `Transform` names (AWS:: ones only)."""
    try:
        template = Stack.parse_template(template_body)
    except Exception:
        return []
    names = template.get("Transform") if isinstance(template, dict) else None
    listed = [names] if isinstance(names, str) else list(names or [])
    return [
        f"arn:{partition}:cloudformation:{region}:aws:transform/{name.removeprefix('AWS::')}"
        for name in listed
        if isinstance(name, str) and name.startswith("AWS::")
    ]


def create_change_set_response(self: CloudFormationResponse) -> Any:
    """CreateChangeSet; a transform the signer may not use fails the change set (FAILED).

    Real CloudFormation accepts the call, then the change set ends FAILED with
    StatusReason `User: ... is not authorized to perform: cloudformation:CreateChangeSet
    on resource: arn:aws:cloudformation:REGION:aws:transform/NAME`, and a new stack
    stays in REVIEW_IN_PROGRESS.
    """
    result = _ORIGINALS["create_change_set_response"](self)
    enforced = ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
    caller = caller_from_headers(self.current_account, self.headers) if enforced else None
    if caller is None:
        return result
    backend = self.cloudformation_backend
    body = self._get_param("TemplateBody") or ""
    name = self._get_param("ChangeSetName")
    stack_name = self._get_param("StackName")
    change_set = next(
        (
            cs
            for cs in reversed(list(backend.change_sets.values()))
            if cs.change_set_name == name and cs.stack_name == stack_name
        ),
        None,
    )
    if change_set is None or change_set.status != "CREATE_COMPLETE":
        return result
    for arn in transform_arns(body, self.partition, self.region):
        verdict = evaluate(caller, TRANSFORM_ACTION, arn)
        if verdict is Verdict.ALLOWED:
            continue
        why = (
            "with an explicit deny in an identity-based policy"
            if verdict is Verdict.EXPLICIT_DENY
            else f"because no identity-based policy allows the {TRANSFORM_ACTION} action"
        )
        change_set.status = "FAILED"
        change_set.execution_status = "UNAVAILABLE"
        change_set.status_reason = (
            f"User: {caller.arn} is not authorized to perform: {TRANSFORM_ACTION} "
            f"on resource: {arn} {why}"
        )
        break
    return result


def continue_update_rollback_response(self: CloudFormationResponse) -> Any:
    """ContinueUpdateRollback (moto has none): UPDATE_ROLLBACK_FAILED -> UPDATE_ROLLBACK_COMPLETE.

    The previous template's resources are kept as they are (the sandbox's rollback
    already restored them before it could have failed).
    """
    name = self._get_param("StackName")
    stack = self.cloudformation_backend.get_stack(name)
    if stack.status != "UPDATE_ROLLBACK_FAILED":
        raise ValidationError(
            name, message=f"Stack {name} is in {stack.status} state and can not be continued"
        )
    stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", "Continue rollback requested by user")
    stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    stack_event(stack, "UPDATE_ROLLBACK_COMPLETE")
    return EmptyResult()


def install_change_sets_and_recovery() -> None:
    """Patch CreateChangeSet (transform permission) and add ContinueUpdateRollback. Idempotent."""
    if "create_change_set_response" in _ORIGINALS:
        return
    _ORIGINALS["create_change_set_response"] = CloudFormationResponse.create_change_set
    CloudFormationResponse.create_change_set = create_change_set_response  # type: ignore[method-assign]
    CloudFormationResponse.continue_update_rollback = continue_update_rollback_response  # type: ignore[attr-defined]

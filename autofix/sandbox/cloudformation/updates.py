"""The update flow: UpdateStack and update change sets, rolled back on a failure.

Patched over moto's `Stack.update` (see cloudformation.PATCHES); ExecuteChangeSet
of an UPDATE change set runs `run_update` too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.ssm.models import ssm_backends

from autofix.sandbox.cloudformation.caller import Caller
from autofix.sandbox.cloudformation.stacks import (
    DEPENDENCY_ORDER,
    delete_quietly_listed,
    fail_event,
    failed_phrase,
)
from autofix.sandbox.cloudformation.state import (
    ResourceFailed,
    StackOperation,
    acting,
    acting_caller,
    add_event,
    creation_order,
    physical_id,
    props_store,
    stack_event,
)
from autofix.sandbox.cloudformation.validation import refuse_update, validate_types
from autofix.sandbox.cloudformation.waves import creation_waves, provision_in_waves
from autofix.sandbox.fidelity import rehearsal


def update_stack(
    self: Stack,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Stack.update (UpdateStack): checked, rolled back on failure."""
    from moto.cloudformation.models import cloudformation_backends

    validate_types(template)
    refuse_update(self)
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
    diff = rehearsal.with_dependents(rm.build_resource_diff(new_dict, parameters), new_dict)
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
            n for n in getattr(rm, DEPENDENCY_ORDER)() if n in diff["Add"] or n in diff["Modify"]
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
        rm.input_parameters = _ssm_paths_kept(rm, template, parameters)
    rm.load_mapping()
    rm.load_parameters()
    rm.load_conditions()
    rm._resource_json_map = template.get("Resources", {})


def _ssm_paths_kept(
    rm: Any, template: dict[str, Any], parameters: dict[str, Any]
) -> dict[str, Any]:
    """`parameters` without an SSM-typed value that is no parameter's name: moto keeps the
    resolved value of an `AWS::SSM::Parameter::Value<...>` parameter (CDK's BootstrapVersion,
    "33") as the previous value, and reading it as a name failed the update with a 500; AWS
    resolves the parameter's path again."""
    ssm = ssm_backends[rm._account_id][rm._region_name]
    slots = template.get("Parameters") or {}
    kept = {}
    for key, value in parameters.items():
        kind = str((slots.get(key) or {}).get("Type", ""))
        if kind.startswith("AWS::SSM::Parameter::") and ssm.get_parameter(str(value)) is None:
            continue
        kept[key] = value
    return kept


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
            props=dict(props_store(rm)),
        )

    def restore(self, stack: Stack) -> None:
        stack.template = self.template
        stack.template_dict = self.template_dict
        stack.resource_map.input_parameters = dict(self.input_parameters)  # none given too
        _point_at_template(stack.resource_map, self.rm_template, self.input_parameters)
        stack.resource_map._resource_json_map = self.json_map


def _roll_back_update(
    op: StackOperation, failures: list[ResourceFailed], saved: _RollbackState
) -> None:
    stack = op.stack
    rm = stack.resource_map
    for failure in failures:
        fail_event(op, failure)
    stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", failed_phrase(failures))
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
    store = props_store(rm)  # a type moto cannot update kept its new properties
    store.update({n: saved.props[n] for n in op.updated if n in saved.props})
    stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    added = [n for n in op.created if n not in saved.json_map]
    rm._resource_json_map = {**saved.json_map, **{n: op_json(op, n) for n in added}}
    delete_quietly_listed(op, added)
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
    order = creation_order(rm)
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
                physical_id=physical_id(resource),
            )
            rm._parsed_resources.pop(name, None)
            continue
        try:
            rm._delete_resource(resource, resource_json)
        except ResourceFailed as failure:
            fail_event(op, failure)
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

"""Change sets: executing one (create or update flow), transforms, ContinueUpdateRollback."""

from __future__ import annotations

from typing import Any

from moto import settings
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import ActionResult, EmptyResult

from autofix.sandbox.cloudformation.caller import Caller, Verdict, caller_from_headers, evaluate
from autofix.sandbox.cloudformation.patches import original
from autofix.sandbox.cloudformation.sam_translator import TRANSFORM_ACTION, transform_arn
from autofix.sandbox.cloudformation.stacks import create_all, roll_back_create
from autofix.sandbox.cloudformation.state import (
    ResourcesFailed,
    StackOperation,
    acting,
    acting_caller,
    stack_event,
)
from autofix.sandbox.cloudformation.transforms import original_template, transform_failed
from autofix.sandbox.cloudformation.updates import run_update


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
            create_all(op, stack.template_dict)
            stack.output_map = stack._create_output_map()
            backend._validate_export_uniqueness(stack)
        except ResourcesFailed as failed:
            roll_back_create(op, failed.failures)
            return
    for export in stack.exports:
        backend.exports[export.name] = export
    stack_event(stack, "CREATE_COMPLETE")


def transform_arns(template_body: str, partition: str, region: str) -> list[str]:
    """The ARNs of the macros a template's `Transform` names (AWS:: ones only)."""
    try:
        template = Stack.parse_template(template_body)
    except Exception:
        return []
    names = template.get("Transform") if isinstance(template, dict) else None
    listed = [names] if isinstance(names, str) else list(names or [])
    return [
        transform_arn(name, partition, region)
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
    result = original(CloudFormationResponse, "create_change_set")(self)
    enforced = ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
    caller = caller_from_headers(self.current_account, self.headers) if enforced else None
    if caller is None:
        return result
    backend = self.cloudformation_backend
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
    if change_set is None:
        return result
    if change_set.status != "CREATE_COMPLETE" and not transform_failed(change_set):
        return result  # the permission is checked before the transform runs
    body = original_template(change_set.stack_id, change_set.template)  # also a TemplateURL's
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
        change_set.changes = []
        change_set.template = body  # the transform never ran: nothing was processed
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


def delete_change_set(self: CloudFormationBackend, change_set_name: str) -> None:
    """Delete the change set by ARN or name; one that does not exist is no error, as in AWS."""
    change_set = _find_change_set(self, change_set_name)
    if change_set is not None:
        self.change_sets.pop(change_set.change_set_id, None)


def list_change_sets_response(self: CloudFormationResponse) -> ActionResult:
    """ListChangeSets: the change sets of the stack named (StackName, a name or an id)."""
    name = self._get_param("StackName")
    stack = self.cloudformation_backend.get_stack(name)
    listed = [
        cs
        for cs in self.cloudformation_backend.change_sets.values()
        if cs.stack_id == stack.stack_id
    ]
    return ActionResult({"Summaries": listed})


def validate_different_update(
    self: CloudFormationResponse, incoming_params: Any, stack_body: str, old_stack: Any
) -> None:
    """UpdateStack's "No updates are to be performed.", not CreateChangeSet's.

    A change set with nothing changed is created and fails ("The submitted information
    didn't contain changes"), which `aws cloudformation deploy` reads as nothing to
    deploy; moto refused the call when parameters were passed.
    """
    if self._get_action() == "CreateChangeSet":
        return
    original(CloudFormationResponse, "_validate_different_update")(
        self, incoming_params, stack_body, old_stack
    )

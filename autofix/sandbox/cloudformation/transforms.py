"""The AWS::Serverless-2016-10-31 transform, run by the real `aws-sam-translator`.

moto 5.2.5 does not expand it: a SAM template's stack reached CREATE_COMPLETE holding
no resources ("No Moto CloudFormation support for AWS::Serverless::Function"), a false
success. Here CreateChangeSet (and CreateStack, UpdateStack) expand the template first,
as CloudFormation does, and everything after sees only the processed template: the
type checks, the change set's changes, each expanded resource's handler check and its
events. A template the transform rejects gives a FAILED change set with CloudFormation's
`Transform AWS::Serverless-2016-10-31 failed with: ...`. The caller's permission to use
the transform is checked by change_sets.create_change_set_response.

GetTemplate answers `TemplateStage=Original` with the template as submitted and
`Processed` with the expansion (a stack's or a change set's, with ChangeSetName).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition

from autofix.sandbox.cloudformation import (
    stacks,
    updates,
    validation,
)
from autofix.sandbox.cloudformation.sam_translator import (
    FAILED_PREFIX,
    SERVERLESS,
    TransformFailed,
    declares_serverless,
    translate,
)

__all__ = ["FAILED_PREFIX", "SERVERLESS", "TransformFailed", "declares_serverless", "expand"]

STAGES = ["Original", "Processed"]

_lock = threading.Lock()
_originals: dict[tuple[str, str], str] = {}
"""(stack id, processed template text) -> the template as submitted."""
_failed: set[str] = set()
"""Change sets whose transform failed (their template is the submitted one)."""


def expand(
    template_text: str, parameters: dict[str, str], account_id: str, region: str
) -> str | None:
    """The processed template (JSON text), or None when no SAM transform is declared.

    Raises TransformFailed with CloudFormation's reason when the translator rejects it.
    """
    try:
        template = Stack.parse_template(template_text)
    except Exception:  # moto reports malformed templates itself
        return None
    if not declares_serverless(template):
        return None
    processed = _translate(template, dict(parameters), account_id, region)
    return json.dumps(processed, indent=2)


def _translate(
    template: dict[str, Any], parameters: dict[str, str], account_id: str, region: str
) -> dict[str, Any]:
    partition = get_partition(region)

    def managed_policies() -> dict[str, str]:
        """Managed policy names the bundled map lacks: the account's own, by name."""
        backend = iam_backends[account_id][partition]
        return {p.name: p.arn for p in backend.managed_policies.values()}

    return translate(template, parameters, account_id, region, managed_policies)


def remember(stack_id: str, processed: str, original: str) -> None:
    with _lock:
        _originals[(stack_id, processed)] = original


def original_template(stack_id: str, template: Any) -> Any:
    """The submitted template behind `template` (a stack's or change set's), or itself."""
    if not isinstance(template, str):
        return template
    return _originals.get((stack_id, template), template)


def transform_failed(change_set: ChangeSet) -> bool:
    return change_set.change_set_id in _failed


def create_change_set(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
    """CloudFormationBackend.create_change_set on the processed template.

    The expanded template goes on to validation.create_change_set (the
    type checks, then moto's). A failed transform leaves a FAILED change set, and a
    new stack in REVIEW_IN_PROGRESS, as in CloudFormation.
    """
    names = ("stack_name", "change_set_name", "template", "parameters")
    call = dict(zip(names, args, strict=False)) | kwargs
    original, parameters = call["template"], call.get("parameters") or {}
    try:
        processed = expand(original, parameters, self.account_id, self.region_name)
    except TransformFailed as failed:
        change_set_id, stack_id = validation.create_change_set(self, **call)
        change_set = self.change_sets[change_set_id]
        change_set.status, change_set.execution_status = "FAILED", "UNAVAILABLE"
        change_set.status_reason = failed.reason
        change_set.changes = []
        _failed.add(change_set_id)
        return change_set_id, stack_id
    if processed is None:
        return validation.create_change_set(self, **call)
    change_set_id, stack_id = validation.create_change_set(self, **(call | {"template": processed}))
    remember(stack_id, processed, original)
    return change_set_id, stack_id


def create_stack(
    self: CloudFormationBackend, name: str, template: str, parameters: dict[str, Any], **kw: Any
) -> Stack:
    """CreateStack: the SAM transform expanded first (a failure is a ValidationError)."""
    processed = _expand_or_raise(template, parameters, self.account_id, self.region_name)
    stack = stacks.create_stack(self, name, processed or template, parameters, **kw)
    if processed is not None:
        remember(stack.stack_id, processed, template)
    return stack


def update_stack(
    self: Stack,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    **kw: Any,
) -> None:
    """Stack.update (UpdateStack): the SAM transform expanded first."""
    params = parameters if parameters is not None else dict(self.parameters or {})
    processed = _expand_or_raise(template, params, self.account_id, self.region_name)
    if processed is not None:
        remember(self.stack_id, processed, template)
    updates.update_stack(self, processed or template, role_arn, parameters, **kw)


def _expand_or_raise(
    template: str, parameters: dict[str, Any], account_id: str, region: str
) -> str | None:
    try:
        return expand(template, parameters, account_id, region)
    except TransformFailed as failed:
        raise ValidationError(message=failed.reason) from failed


def get_template_response(self: CloudFormationResponse) -> ActionResult:
    """GetTemplate with TemplateStage (Original by default) and ChangeSetName."""
    backend = self.cloudformation_backend
    stage = self._get_param("TemplateStage") or "Original"
    if stage not in STAGES:
        raise ValidationError(message=f"Invalid TemplateStage: {stage}")
    change_set_name = self._get_param("ChangeSetName")
    template: Any
    if change_set_name:
        change_set = _change_set(backend, change_set_name, self._get_param("StackName"))
        stack_id, template = change_set.stack_id, change_set.template
    else:
        stack = backend.get_stack(self._get_param("StackName"))
        stack_id, template = stack.stack_id, stack.template
    if stage == "Original":
        template = original_template(stack_id, template)
    return ActionResult({"TemplateBody": template, "StagesAvailable": STAGES})


def _change_set(backend: CloudFormationBackend, name: str, stack_name: str | None) -> ChangeSet:
    """The change set named (by ARN, or by name within the stack); another stack's is none."""
    for change_set in backend.change_sets.values():
        if name not in (change_set.change_set_id, change_set.change_set_name):
            continue
        if stack_name in (None, "", change_set.stack_name, change_set.stack_id):
            found: ChangeSet = change_set
            return found
    raise ValidationError(message=f"ChangeSet [{name}] does not exist")

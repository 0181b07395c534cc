"""Checks CloudFormation makes before anything runs: resource types that exist, and a
stack that can be updated.

moto 5.2.5 deploys a template naming `AWS::S3::Bukket` "successfully"; real
CloudFormation rejects CreateStack, UpdateStack and CreateChangeSet with
`Template format error: Unrecognized resource types: [AWS::S3::Bukket]`. moto also
updates a stack whose create rolled back or whose delete failed; AWS refuses UpdateStack
and an UPDATE change set with `Stack:<arn> is in DELETE_FAILED state and can not be
updated.` (quoted from CreateChangeSet and CDK bootstrap errors in public CI scripts and
reports; the ROLLBACK_COMPLETE form from Serverless Framework and AWS CLI issues,
tests/fixtures/denials/cases.jsonl).
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack

from autofix.sandbox.cloudformation.demands.schema import is_resource_type
from autofix.sandbox.cloudformation.patches import original

SERVERLESS_PREFIX = "AWS::Serverless::"  # expanded by the transform, later


def unrecognized_types(template: dict[str, Any]) -> list[str]:
    """The resource types of `template` that CloudFormation does not know, in order."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    transformed = bool(template.get("Transform")) if isinstance(template, dict) else False
    found: list[str] = []
    for resource in (resources or {}).values():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if not isinstance(kind, str) or kind in found or is_resource_type(kind):
            continue
        if transformed and kind.startswith(SERVERLESS_PREFIX):
            continue
        found.append(kind)
    return found


def validate_types(template_body: str | None) -> None:
    """Raise CloudFormation's ValidationError when the template names unknown types."""
    if not template_body:
        return
    try:
        template = Stack.parse_template(template_body)
    except Exception:  # moto reports malformed templates itself
        return
    unknown = unrecognized_types(template)
    if unknown:
        raise ValidationError(
            message=f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]"
        )


NOT_UPDATABLE = frozenset(
    {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED"}
)
"""Settled states a stack can only be deleted from (or, UPDATE_ROLLBACK_FAILED, continued)."""


def refuse_update(stack: Stack) -> None:
    """Raise CloudFormation's ValidationError when `stack` is in a state it cannot update."""
    if stack.status in NOT_UPDATABLE:
        raise ValidationError(
            message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated."
        )


def create_change_set(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
    """CloudFormationBackend.create_change_set, after the template's types and (for an
    UPDATE) the stack's state are checked."""
    template = kwargs["template"] if "template" in kwargs else args[2]
    validate_types(template)
    name = kwargs.get("stack_name", args[0] if args else None)
    kind = kwargs.get("change_set_type", args[5] if len(args) > 5 else None)
    if kind == "UPDATE":
        for stack in self.stacks.values():
            if name in (stack.name, stack.stack_id):
                refuse_update(stack)
    return original(CloudFormationBackend, "create_change_set")(self, *args, **kwargs)


TEMPLATE_RULES = ("E0", "E1")
"""cfn-lint rule families ValidateTemplate stands for: the template's format (E0xxx) and its
intrinsic functions and references (E1xxx). Real ValidateTemplate checks the template's
syntax and structure, not best practices: it accepts a DependsOn beside a Ref (cfn-lint
W3005, which the Serverless Framework emits for httpApi routes and aliases) and a runtime
cfn-lint calls deprecated while Lambda still creates it (W2531)."""


def validate_template(self: CloudFormationBackend, template: str) -> list[Any]:
    """CloudFormationBackend.validate_template, failing only on format and reference errors."""
    matches = original(CloudFormationBackend, "validate_template")(self, template)
    return [m for m in matches if _rule_id(m).startswith(TEMPLATE_RULES)]


def _rule_id(match: Any) -> str:
    rule = getattr(match, "rule", None)
    return str(getattr(rule, "id", "") or "")

"""Fn::GetAtt of an attribute AWS has and moto's model of the type lacks.

moto 5.2.5's models answer only some of a type's attributes: `Fn::GetAtt [Subnet, SubnetId]`,
`[Group, Id]` of a security group, `[Key, KeyId]`, `[Topic, TopicArn]`, `[Queue, QueueUrl]`,
`[Machine, Arn]` of a state machine failed the stack ("Template error: resource ... does not
support attribute type ... in Fn::GetAtt") where AWS answers them, since they are the
type's read-only properties (provider schema). Such an attribute is answered from what
the model holds: the physical id when the attribute is the type's one primary identifier
(what `Ref` returns), else the model's field of the same name (`VpcId` -> `vpc_id`), or its
`arn` / `id` for the type's own `Arn` / `Id` (`ServiceArn` of a service). An attribute the
schema does not have, or that the model holds nowhere, still fails as before.
"""

from __future__ import annotations

from typing import Any

from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.state import physical_id
from autofix.sandbox.cloudformation.types.physical_ids import snake

UNSUPPORTED = "does not support attribute type"
"""What moto's error says when a model lacks the attribute."""


def resource_type_of(resource: Any) -> str:
    """The CloudFormation type of a model moto created in a stack."""
    given = getattr(resource, "cf_resource_type", None)
    if isinstance(given, str) and given:
        return given
    try:
        return str(type(resource).cloudformation_type())
    except (AttributeError, NotImplementedError):
        return ""


def _fields(resource_type: str, attribute: str) -> tuple[str, ...]:
    noun = resource_type.rsplit("::", 1)[-1]
    fields = [snake(attribute)]
    if attribute in ("Arn", f"{noun}Arn"):
        fields.append("arn")
    if attribute in ("Id", f"{noun}Id"):
        fields.append("id")
    return tuple(fields)


def missing_attribute(resource: Any, attribute: str) -> Any:
    """The value of `attribute` of `resource` when its schema has it (None otherwise)."""
    resource_type = resource_type_of(resource)
    schema = type_schema(resource_type)
    if schema is None or attribute not in schema.read_only:
        return None
    if schema.ids == (attribute,):
        return physical_id(resource) or None
    for field in _fields(resource_type, attribute):
        value = getattr(resource, field, None)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
            return value
    return None


def has_attribute(resource_type: str, model: Any, attribute: str) -> bool:
    """Whether `Fn::GetAtt` of `attribute` is answered: the model's own, or the schema's."""
    if model is not None and model.has_cfn_attr(attribute):
        return True
    schema = type_schema(resource_type)
    return schema is not None and attribute in schema.read_only


def validate_outputs(self: Any) -> None:
    """moto's ResourceMap.validate_outputs, an attribute checked against the type's schema
    as well as moto's model (a stack whose Outputs read a subnet's SubnetId was refused)."""
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import UnsupportedAttribute, ValidationError

    for output in (self._template.get("Outputs") or {}).values():
        if "Condition" in output and not self.lazy_condition_map[output["Condition"]]:
            continue
        value = output.get("Value", {})
        if not isinstance(value, dict) or "Fn::GetAtt" not in value:
            continue
        name, attribute = value["Fn::GetAtt"][0], value["Fn::GetAtt"][1]
        resource = self._resource_json_map.get(name) or {}
        if "Condition" in resource and not self.lazy_condition_map[resource["Condition"]]:
            raise ValidationError(
                message=f"Unresolved resource dependencies [{name}] in the Outputs block "
                "of the template"
            )
        resource_type = str(resource.get("Type", ""))
        model = parsing.resource_class_from_type(resource_type)
        if not has_attribute(resource_type, model, attribute):
            raise UnsupportedAttribute(resource=resource_type.rsplit(":", 1)[-1], attr=attribute)

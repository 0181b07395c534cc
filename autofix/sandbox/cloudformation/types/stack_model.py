"""What the stack resource types the sandbox adds share: moto's model methods, once.

moto's CloudFormation finds its models among the direct subclasses of
`CloudFormationModel`, so a model names both: `class StackX(StackModel, CloudFormationModel)`.
A model says its type and naming property as class data and how it is `made` from its
Properties; moto's classmethods (`create_from_cloudformation_json`, ...) call that.
`creates` and `updates` make those classmethods from such a function, for a model of
moto's own that the sandbox patches as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Self

__all__ = ["StackModel", "creates", "updates"]


def creates(made: Callable[..., Any]) -> Callable[..., Any]:
    """moto's `create_from_cloudformation_json` (for `classmethod`) calling
    `made(cls, name, properties, account_id, region_name, **kwargs)`."""

    def create_from_cloudformation_json(
        cls: Any,
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        props = cloudformation_json.get("Properties") or {}
        return made(cls, resource_name, props, account_id, region_name, **kwargs)

    return create_from_cloudformation_json


def updates(updated: Callable[..., Any]) -> Callable[..., Any]:
    """moto's `update_from_cloudformation_json` (for `classmethod`) calling
    `updated(cls, original, name, properties, account_id, region_name)`."""

    def update_from_cloudformation_json(
        cls: Any,
        /,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        props = cloudformation_json.get("Properties") or {}
        return updated(cls, original_resource, new_resource_name, props, account_id, region_name)

    return update_from_cloudformation_json


def _made(cls: Any, /, *given: Any, **_: Any) -> Any:
    return cls.made(*given)


def _updated(cls: Any, /, *given: Any) -> Any:
    return cls.updated(*given)


class StackModel:
    """The moto model methods of a stack resource type, from `made` and `updated`."""

    resource_type: ClassVar[str] = ""
    name_property: ClassVar[str] = ""
    """The property that names the resource ("" when it has none)."""

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.resource_type

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.name_property

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def made(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        """The resource `name` created from its Properties."""
        raise NotImplementedError

    @classmethod
    def updated(
        cls, original: Self, name: str, props: dict[str, Any], account_id: str, region_name: str
    ) -> Self:
        """The resource after an update; unless a model says otherwise, a replacement."""
        original.delete(account_id, region_name)
        return cls.made(name, props, account_id, region_name)

    create_from_cloudformation_json = classmethod(creates(_made))
    update_from_cloudformation_json = classmethod(updates(_updated))

    def delete(self, account_id: str, region_name: str) -> None:
        """Remove what the resource holds in moto's backends."""

    def is_created(self) -> bool:
        return True

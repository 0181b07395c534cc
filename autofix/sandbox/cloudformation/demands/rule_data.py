"""Property-aware rules kept as data (autofix/data/curated/cfn_rules.json), and their interpreter.

A rule lists, per operation, the calls a handler makes: each an `action` on a
resource (`on`: a named ARN of the type's `arns`, or a template), with optional
conditions on the properties. Templates hold `{...}` alternatives separated by `|`,
the first that has a value wins: a property path (`BodyS3Location.Bucket`), a
context value (`partition`, `region`, `account`, `physical_id`, `physical_name`),
`'literal'`, `old:P` (the property before an update), a converter `function:P` /
`layer:P` / `role:P` / `topic:P` / `queue:P` / `key:P` / `alias:P` (an ARN from a name,
an ARN or a queue URL, by autofix.policy.arn_formats; empty when P is), `path:P` (without its
leading slashes), `upper:P`, `object:P` (the ARN of the S3 object the URL or ARN P
names, in any of its forms, by cloudformation.demands.s3_urls; empty when it names
none), or `retype:KIND:P` (the ARN P with its resource type, the
part before the first `/`, replaced by KIND: a listener's ARN prefix from its load
balancer's), or a name of the rule's `values`: a property's value (`from`) looked up
in a `map`, else the `else` template (`{value}` is the value), else `default`; or a value
code worked out (`{arn}`: the resource's own ARN, for the types whose names are irregular:
cloudformation.demands.requirements).

Conditions (all must hold): `if_has` (any of the properties set), `if_lacks` (none
of them set), `if_had` (any of them set before an update), `if_changed` (an update
changed any of them), `if_changed_other_than` (an update changed any other
property), `if_added` / `if_removed` (an update added to / removed from the list
property P, its items compared whole or, for `P.Key`, by that key of theirs),
`if_contains` (property -> text its value contains), `if_tags` ("added" or "removed":
the tag property's change on create or update), `if_arn_service` (the rendered resource
is an ARN of that service).
`each` repeats the call for every item of a list property, `{item}` / `{item.Key}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from autofix import data
from autofix.policy.arn_formats import arn_of
from autofix.sandbox.cloudformation.demands.calls import (
    HandlerCall,
    Requirement,
    is_queue_url,
    is_set,
    queue_url_arn,
    tag_changes,
)
from autofix.sandbox.cloudformation.demands.s3_urls import object_arn

_FIELD = re.compile(r"\{([^{}]+)\}")
_CONTEXT = ("partition", "region", "account", "physical_id", "physical_name", "service_role")
_CONVERTERS = {  # converter -> the IAM resource type whose ARN a name becomes
    "alias": "kms:alias",
    "function": "lambda:function",
    "key": "kms:key",
    "layer": "lambda:layer",
    "queue": "sqs:queue",
    "role": "iam:role",
    "topic": "sns:topic",
}


@cache
def rule_data() -> dict[str, Any]:
    """Resource type -> its rule (the `types` of cfn_rules.json)."""
    types: dict[str, Any] = data.load("curated", "cfn_rules.json")["types"]
    return types


def data_rule_types() -> frozenset[str]:
    return frozenset(rule_data())


def requirements_from_data(
    call: HandlerCall, named: Mapping[str, str] | None = None
) -> Iterable[Requirement]:
    """The requirements the data rule of `call.resource_type` gives for `call`; `named`
    holds values code worked out for the rule's templates (a resource's own `{arn}`)."""
    rule = rule_data()[call.resource_type]
    arns: Mapping[str, str] = rule.get("arns", {})
    values = dict(named or {})
    for name, spec in rule.get("values", {}).items():
        values[name] = _mapped(call.properties, spec)
    for step in rule.get(call.operation, []):
        if not _holds(call, step, rule.get("tag_property", "Tags")):
            continue
        template = arns.get(step["on"], step["on"])
        items = _path(call.properties, step["each"]) if "each" in step else [None]
        for item in items if isinstance(items, list) else [items]:
            resource = _render(template, call, item, values)
            if not resource:
                continue  # it refers to nothing (no old key): nothing referenced, nothing demanded
            service = step.get("if_arn_service")
            if service and not resource.startswith(f"arn:{call.place.partition}:{service}:"):
                continue
            yield Requirement(step["action"], resource, bool(step.get("after_create")))


def _holds(call: HandlerCall, step: Mapping[str, Any], tag_property: str) -> bool:
    props, old = call.properties, call.old_properties
    if "if_has" in step and not any(is_set(_path(props, k)) for k in step["if_has"]):
        return False
    if "if_lacks" in step and any(is_set(_path(props, k)) for k in step["if_lacks"]):
        return False
    if "if_had" in step and not any(is_set(_path(old, k)) for k in step["if_had"]):
        return False
    if "if_contains" in step and not all(
        text in str(_path(props, k) or "") for k, text in step["if_contains"].items()
    ):
        return False
    if "if_changed" in step and not any(
        _path(props, k) != _path(old, k) for k in step["if_changed"]
    ):
        return False
    if "if_changed_other_than" in step:
        others = (set(props) | set(old)) - set(step["if_changed_other_than"])
        if not any(props.get(k) != old.get(k) for k in others):
            return False
    if "if_added" in step and not _items(props, step["if_added"]) - _items(old, step["if_added"]):
        return False
    if "if_removed" in step and not _items(old, step["if_removed"]) - _items(
        props, step["if_removed"]
    ):
        return False
    if "if_tags" in step:
        if call.operation == "create":
            added, removed = is_set(props.get(tag_property)), False
        else:
            added, removed = tag_changes(call, tag_property)
        return added if step["if_tags"] == "added" else removed
    return True


def _items(props: Any, spec: str) -> set[str]:
    """The items of the list property `P` of `spec` (`P` or `P.Key`: that key of each)."""
    prop, _, key = spec.partition(".")
    listed = props.get(prop) if isinstance(props, Mapping) else None
    if not isinstance(listed, list):
        return set()
    return {str(_path(item, key) if key else item) for item in listed}


def _path(props: Any, dotted: str) -> Any:
    value = props
    for key in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _mapped(props: Any, spec: Mapping[str, Any]) -> str:
    """A `values` entry: the property `from` looked up in `map`, else `else`, else `default`."""
    found = _path(props, spec["from"])
    if not is_set(found) or isinstance(found, dict | list):
        return str(spec.get("default", ""))
    mapped = spec.get("map", {}).get(str(found))
    if mapped is None and "else" in spec:
        mapped = str(spec["else"]).replace("{value}", str(found))
    return str(mapped if mapped is not None else spec.get("default", ""))


def _render(template: str, call: HandlerCall, item: Any, values: Mapping[str, str]) -> str:
    """`template` filled in (a field with no value at all is left empty, never skipped)."""

    def fill(match: re.Match[str]) -> str:
        for alternative in match.group(1).split("|"):
            name = alternative.strip()
            value = values[name] if name in values else _value(name, call, item)
            if value:
                return value
        return ""

    return _FIELD.sub(fill, template)


def _value(name: str, call: HandlerCall, item: Any) -> str:
    if name.startswith("'") and name.endswith("'"):
        return name[1:-1]
    if name in _CONTEXT:
        context = {
            "partition": call.place.partition,
            "region": call.place.region,
            "account": call.place.account,
            "physical_id": call.physical_id or "",
            "physical_name": call.physical_name,
            "service_role": call.service_role,
        }
        return context[name]
    kind, _, rest = name.partition(":")
    if rest and kind == "path":
        return _value(rest, call, item).lstrip("/")
    if rest and kind == "retype":
        new_kind, _, source = rest.partition(":")
        arn = _value(source, call, item)
        head, sep, path = arn.partition("/")
        if not arn.startswith("arn:") or not sep:
            return ""
        return f"{head.rsplit(':', 1)[0]}:{new_kind}/{path}"
    if rest and kind == "upper":
        return _value(rest, call, item).upper()
    if rest and kind == "object":  # the S3 object a URL names, in any of its forms
        return object_arn(_value(rest, call, item), call.place.partition) or ""
    if rest and kind in _CONVERTERS:
        text = _value(rest, call, item)
        if kind == "queue" and is_queue_url(text):
            return queue_url_arn(call, text)
        if not text or text.startswith("arn:"):
            return text
        return arn_of(_CONVERTERS[kind], text, call.place) or ""
    if rest and kind == "old":
        value = _path(call.old_properties, rest)
        return str(value) if is_set(value) and not isinstance(value, dict | list) else ""
    if name == "item" or name.startswith("item."):
        value = item if name == "item" else _path(item, name.removeprefix("item."))
    else:
        value = _path(call.properties, name)
    return str(value) if is_set(value) and not isinstance(value, dict | list) else ""

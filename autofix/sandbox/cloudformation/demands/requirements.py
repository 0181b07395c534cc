"""What each CloudFormation resource handler demands of its caller, by properties used.

The upper bound per resource type and operation is the provider schema's
`handlers.<op>.permissions` list (derived into autofix/data/derived/cfn_types.json by
scripts/derive_handler_permissions.py; see cloudformation.demands.schema). A rule narrows
it to the calls a handler makes for the properties present, and puts each action on
its real ARN. Rules are data (autofix/data/curated/cfn_rules.json, read by `rule_data`);
the few in code are irregular: IAM policies' (one action per kind of principal a policy
names: cloudformation.demands.rules_iam). SNS
topics and SQS queues are data with their own ARN worked out here (the `.fifo`
CloudFormation appends to a generated FIFO name, a physical id of their own form).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from autofix.sandbox.cloudformation.demands import update_rules
from autofix.sandbox.cloudformation.demands.calls import (
    HandlerCall,
    Operation,
    Props,
    Requirement,
    Tier,
    build_arn,
    is_queue_url,
    queue_url_arn,
    tag_changes,
)
from autofix.sandbox.cloudformation.demands.rule_data import data_rule_types, requirements_from_data
from autofix.sandbox.cloudformation.demands.rules_iam import iam_managed_policy, iam_policy
from autofix.sandbox.cloudformation.demands.schema import bounds

__all__ = [
    "HandlerCall",
    "Operation",
    "Props",
    "Requirement",
    "Tier",
    "covered_types",
    "handler_permission_bounds",
    "requirements_for",
    "tag_changes",
]

Rule = Callable[[HandlerCall], Iterable[Requirement]]


@cache
def handler_permission_bounds() -> dict[str, dict[str, frozenset[str]]]:
    """Resource type with a rule -> operation -> every action its provider schema lists."""
    return {t: bounds(t) for t in covered_types()}


def requirements_for(call: HandlerCall) -> tuple[Requirement, ...]:
    """The actions (with resources) the handler's rule names for `call`, without duplicates.

    The rule is data (autofix/data/curated/cfn_rules.json) unless the type is irregular
    enough to be written in code below.
    """
    rule = _RULES.get(call.resource_type)
    if rule is not None:
        found: Iterable[Requirement] = rule(call)
    elif call.resource_type in data_rule_types():
        own_arn = _OWN_ARNS.get(call.resource_type)
        found = requirements_from_data(call, {"arn": own_arn(call)} if own_arn else None)
    else:
        return ()

    seen: dict[tuple[str, str], Requirement] = {}
    for req in (*found, *update_rules.extra(call)):
        seen.setdefault((req.action, req.resource), req)
    return tuple(seen.values())


def covered_types() -> frozenset[str]:
    """The types with a property-aware rule (as data, or in code)."""
    return frozenset(_RULES) | data_rule_types()


# ---------------------------------------------------------------- SQS, SNS
# Their rules are data; their own ARN is worked out here: CloudFormation appends `.fifo`
# to a FIFO queue's or topic's generated name, and the resource's ARN comes from a
# physical id of its own form (a queue URL, a topic ARN) once it exists.


def _fifo_name(call: HandlerCall, name_property: str, fifo_property: str) -> str:
    name = str(call.properties.get(name_property) or call.physical_name)
    if call.properties.get(fifo_property) and not name.endswith(".fifo"):
        name += ".fifo"
    return name


def _queue_arn(call: HandlerCall) -> str:
    # the queue's Ref, its URL, is its physical id (and the name a delete knows it by)
    ids = (call.physical_id or "", call.physical_name or "")
    url = next((i for i in ids if is_queue_url(i)), "")
    if url:
        return queue_url_arn(call, url)
    return build_arn(call, "sqs", _fifo_name(call, "QueueName", "FifoQueue"))


def _topic_arn(call: HandlerCall) -> str:
    known = call.physical_id or ""  # the topic's Ref: its ARN
    if known.startswith("arn:"):
        return known
    return build_arn(call, "sns", _fifo_name(call, "TopicName", "FifoTopic"))


_OWN_ARNS: dict[str, Callable[[HandlerCall], str]] = {
    "AWS::SNS::Topic": _topic_arn,
    "AWS::SQS::Queue": _queue_arn,
}
_RULES: dict[str, Rule] = {
    "AWS::IAM::ManagedPolicy": iam_managed_policy,
    "AWS::IAM::Policy": iam_policy,
}

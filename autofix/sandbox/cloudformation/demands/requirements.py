"""What each CloudFormation resource handler demands of its caller, by properties used.

The upper bound per resource type and operation is the provider schema's
`handlers.<op>.permissions` list (derived into autofix/data/derived/cfn_types.json by
scripts/derive_handler_permissions.py; see cloudformation.demands.schema). A rule narrows
it to the calls a handler makes for the properties present, and puts each action on
its real ARN. Rules are data (autofix/data/curated/cfn_rules.json, read by `rule_data`);
the few in code are irregular: IAM's (one action per kind of principal a policy names,
and what an update adds or removes from lists: cloudformation.demands.rules_iam), SNS topics
and SQS queues (the `.fifo` CloudFormation appends to a generated FIFO name).
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
    changed_any,
    has_any,
    tag_changes,
    tag_demands,
)
from autofix.sandbox.cloudformation.demands.rule_data import data_rule_types, requirements_from_data
from autofix.sandbox.cloudformation.demands.rules_iam import (
    iam_managed_policy,
    iam_policy,
    iam_role,
)
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
        found = requirements_from_data(call)
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
# In code for their names: CloudFormation appends `.fifo` to a FIFO queue's or topic's
# generated name, and the resource's ARN comes from a physical id of its own form
# (a queue URL, a topic ARN) once it exists.


def _fifo_name(call: HandlerCall, name_property: str, fifo_property: str) -> str:
    name = str(call.properties.get(name_property) or call.physical_name)
    if call.properties.get(fifo_property) and not name.endswith(".fifo"):
        name += ".fifo"
    return name


def _sqs_queue(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    # the queue's Ref, its URL, is its physical id (and the name a delete knows it by)
    ids = (call.physical_id or "", call.physical_name or "")
    url = next((i for i in ids if i.startswith(("https://", "http://"))), "")
    if url:
        account, name = url.rstrip("/").split("/")[-2:]
        arn = f"arn:{call.partition}:sqs:{call.region}:{account}:{name}"
    else:
        arn = build_arn(call, "sqs", _fifo_name(call, "QueueName", "FifoQueue"))
    if call.operation == "create":
        yield Requirement("sqs:CreateQueue", arn)
        yield Requirement("sqs:GetQueueUrl", arn)
        yield Requirement("sqs:GetQueueAttributes", arn)
        if has_any(p, "Tags"):
            yield Requirement("sqs:TagQueue", arn)
            yield Requirement("sqs:ListQueueTags", arn)
    elif call.operation == "update":
        yield Requirement("sqs:SetQueueAttributes", arn)
        yield Requirement("sqs:GetQueueAttributes", arn)
        yield from tag_demands(call, arn, "sqs:TagQueue", "sqs:UntagQueue")
    else:
        yield Requirement("sqs:GetQueueAttributes", arn)
        yield Requirement("sqs:DeleteQueue", arn)


def _sns_topic(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    known = call.physical_id or ""  # the topic's Ref: its ARN
    arn = known if known.startswith("arn:") else None
    arn = arn or build_arn(call, "sns", _fifo_name(call, "TopicName", "FifoTopic"))
    if call.operation == "create":
        yield Requirement("sns:CreateTopic", arn)
        yield from tag_demands(call, arn, "sns:TagResource", "sns:UntagResource")
        if has_any(p, "Subscription"):
            yield Requirement("sns:Subscribe", arn)
        if has_any(p, "DataProtectionPolicy"):
            yield Requirement("sns:PutDataProtectionPolicy", arn)
        yield Requirement("sns:GetTopicAttributes", arn)
    elif call.operation == "update":
        yield Requirement("sns:GetTopicAttributes", arn)
        if changed_any(
            call,
            *[k for k in set(p) | set(call.old_properties) if k not in ("Tags", "Subscription")],
        ):
            yield Requirement("sns:SetTopicAttributes", arn)
        if changed_any(call, "Subscription"):
            yield Requirement("sns:ListSubscriptionsByTopic", arn)
            yield Requirement("sns:Subscribe", arn)
            yield Requirement("sns:Unsubscribe", arn)
        yield from tag_demands(call, arn, "sns:TagResource", "sns:UntagResource")
    else:
        yield Requirement("sns:GetTopicAttributes", arn)
        yield Requirement("sns:DeleteTopic", arn)


_RULES: dict[str, Rule] = {
    "AWS::IAM::ManagedPolicy": iam_managed_policy,
    "AWS::IAM::Policy": iam_policy,
    "AWS::IAM::Role": iam_role,
    "AWS::SNS::Topic": _sns_topic,
    "AWS::SQS::Queue": _sqs_queue,
}

"""Denials reported by CloudFormation: failed resource events, nested stacks, change sets.

Read by the operator after an attempt, for every stack the attempt touched. A TemplateURL
failure, which names no resource, is read against the failed resource's TemplateURL
(autofix.harvest.template_urls).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from autofix.account.stacks import CLOCK_SKEW, StackRef
from autofix.denials.model import Denial, Source
from autofix.denials.parse import parse_denials
from autofix.harvest.template_urls import resolve

NESTED_STACK = "AWS::CloudFormation::Stack"
MAX_NESTING = 5


def failure_reasons(
    cfn: Any, stack: StackRef, since: datetime, seen: set[str] | None = None
) -> Iterator[tuple[str, str]]:
    """(where, reason) for each failed event or change set of `stack` since `since`.

    `seen` holds the event and change-set ids already read by earlier attempts: the
    time window allows for clock skew, so it can reach back into the previous attempt.
    """
    for where, reason, *_ in _typed_reasons(cfn, stack, since, seen):
        yield where, reason


def _typed_reasons(
    cfn: Any, stack: StackRef, since: datetime, seen: set[str] | None = None
) -> Iterator[tuple[str, str, str, str, str]]:
    """`failure_reasons` with the failed resource's type, its stack's id and its logical id
    ("" for a change set)."""
    seen = set() if seen is None else seen
    yield from _stack_reasons(cfn, stack.stack_id, stack.name, since, 0, seen)
    yield from ((w, r, "", "", "") for w, r in _change_set_reasons(cfn, stack, seen))


def from_stack_events(
    cfn: Any,
    stacks: list[StackRef],
    since: datetime,
    seen: set[str] | None = None,
    unexplained: list[str] | None = None,
) -> list[Denial]:
    """Every denial in the failure reasons of `stacks`, tagged with the `stack-events` channel
    and the type of the resource that failed. `unexplained` receives each failure (`where:
    reason`) that names no denial: a template error, a service's own refusal."""
    found: list[Denial] = []
    for stack in stacks:
        for where, reason, resource_type, stack_id, logical in _typed_reasons(
            cfn, stack, since, seen
        ):
            evidence = f"{where}: {reason}"
            denials = parse_denials(reason)
            if not denials and unexplained is not None:
                unexplained.append(evidence)
            found.extend(
                replace(
                    resolve(cfn, stack_id, logical, reason, denial),
                    source=Source.STACK_EVENTS,
                    evidence=evidence,
                    resource_type=resource_type,
                )
                for denial in denials
            )
    return found


def _stack_reasons(
    cfn: Any, stack_id: str, label: str, since: datetime, depth: int, seen: set[str]
) -> Iterator[tuple[str, str, str, str, str]]:
    nested: list[tuple[str, str]] = []
    for event in _events(cfn, stack_id):
        if event["Timestamp"] < since - CLOCK_SKEW:
            continue
        event_id = str(event.get("EventId") or "")
        if event_id and event_id in seen:
            continue
        if event_id:
            seen.add(event_id)
        status = event.get("ResourceStatus", "")
        reason = event.get("ResourceStatusReason") or ""
        if status.endswith("_FAILED") and reason:
            where = f"{label}/{event['LogicalResourceId']} {status}"
            logical = str(event["LogicalResourceId"])
            yield where, reason, str(event.get("ResourceType") or ""), stack_id, logical
        physical = event.get("PhysicalResourceId") or ""
        if event.get("ResourceType") == NESTED_STACK and physical.startswith("arn:"):
            pair = (physical, f"{label}/{event['LogicalResourceId']}")
            if pair not in nested and physical != stack_id:
                nested.append(pair)
    if depth < MAX_NESTING:
        for nested_id, nested_label in nested:
            yield from _stack_reasons(cfn, nested_id, nested_label, since, depth + 1, seen)


def _events(cfn: Any, stack_id: str) -> list[dict[str, Any]]:
    try:
        events: list[dict[str, Any]] = []
        for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id):
            events.extend(page["StackEvents"])
        return events
    except ClientError as exc:
        if "does not exist" in str(exc):
            return []
        raise


def _change_set_reasons(cfn: Any, stack: StackRef, seen: set[str]) -> Iterator[tuple[str, str]]:
    try:
        summaries = cfn.list_change_sets(StackName=stack.stack_id).get("Summaries", [])
    except ClientError:
        return
    for summary in summaries:
        if summary.get("StackId") not in (None, stack.stack_id):
            continue  # some emulators list every change set of the account
        reason = summary.get("StatusReason") or ""
        change_set_id = str(summary.get("ChangeSetId") or "")
        if change_set_id and change_set_id in seen:
            continue
        if change_set_id and summary.get("Status") == "FAILED":
            seen.add(change_set_id)
        if summary.get("Status") == "FAILED" and reason:
            yield f"{stack.name} change set {summary.get('ChangeSetName')}", reason

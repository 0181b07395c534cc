"""The account's own record of denials: the fallback when a CLI hides the error.

Locally, the embedded sandbox's deny log (JSON lines). On a real account,
CloudTrail `LookupEvents`, which lags by minutes: it is polled with a bound.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_delay

from autofix.denials.model import Denial, DenyKind, RequestKeys, Source
from autofix.denials.parse import parse_denials
from autofix.policy.conditions import PASS_ROLE, passed_by_request
from autofix.sandbox.records import json_lines

Matcher = Callable[[str | None], bool]
"""Is this principal ARN one whose denials the run is after (the deployer, a managed role)?"""
Notice = Callable[[float, str], None]
"""(seconds, why): told before the reader waits for the account's record."""


def sandbox_deny_log(path: Path, matches: Matcher) -> Callable[[float], list[Denial]]:
    """A reader of the sandbox's deny log, filtered to `matches` and the attempt."""

    def read(since: float) -> list[Denial]:
        found: list[Denial] = []
        for record in json_lines(path):
            if _epoch(record.get("time")) < since:
                continue
            if not matches(record.get("principal")):
                continue
            found.append(_from_record(record))
        return found

    return read


def anyone(principal: str | None) -> bool:
    """A matcher for every principal (corroboration reads every denial the sandbox issued)."""
    return True


def cloudtrail_log(
    trail: Any,
    matches: Matcher,
    wait_seconds: float = 300,
    on_wait: Notice | None = None,
    poll_seconds: float = 30,
) -> Callable[[float], list[Denial]]:
    """CloudTrail AccessDenied events for `matches` since the attempt.

    CloudTrail lags by minutes: the reader polls (tenacity, every `poll_seconds`) until it
    finds something or `wait_seconds` pass, and says so through `on_wait` before it first
    waits.
    `trail` is the operator's CloudTrail client.
    """

    def notice(state: RetryCallState) -> None:
        if state.attempt_number == 1 and on_wait is not None:
            on_wait(wait_seconds, _WAITING)

    def until_deadline(state: RetryCallState) -> float:
        return min(poll_seconds, max(0.0, wait_seconds - (state.seconds_since_start or 0.0)))

    def read(since: float) -> list[Denial]:
        if wait_seconds <= 0:
            return _lookup(trail, since, matches)
        polling = Retrying(
            retry=retry_if_result(lambda found: not found),
            stop=stop_after_delay(wait_seconds),
            wait=until_deadline,
            before_sleep=notice,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else [],
        )
        found: list[Denial] = polling(_lookup, trail, since, matches)
        return found

    return read


_WAITING = (
    "the step failed with no denial in its output or stack events: waiting for "
    "CloudTrail's AccessDenied records, which lag by minutes "
    "(bound: harvest.cloudtrail_wait_seconds)"
)


def cloudtrail_denials(trail: Any) -> Callable[[float], list[Denial]]:
    """Every AccessDenied record CloudTrail holds since a time, read and write calls alike,
    once (no waiting): what `harvest.corroborate` checks a printed denial against."""

    def read(since: float) -> list[Denial]:
        return _lookup(trail, since, anyone, writes_only=False)

    return read


def _lookup(trail: Any, since: float, matches: Matcher, writes_only: bool = True) -> list[Denial]:
    found: list[Denial] = []
    query: dict[str, Any] = {"StartTime": datetime.fromtimestamp(since, tz=UTC)}
    if writes_only:
        query["LookupAttributes"] = [{"AttributeKey": "ReadOnly", "AttributeValue": "false"}]
    pages = trail.get_paginator("lookup_events").paginate(**query)
    for page in pages:
        for event in page.get("Events", []):
            record = json.loads(event.get("CloudTrailEvent", "{}"))
            if record.get("errorCode") not in (
                "AccessDenied",
                "AccessDeniedException",
                "UnauthorizedOperation",
                "Client.UnauthorizedOperation",
            ):
                continue
            principal = record.get("userIdentity", {}).get("arn")
            if not matches(principal):
                continue
            parsed = parse_denials(record.get("errorMessage", ""))
            if parsed:
                found.extend(_passed_in(d, record).with_source(Source.ACCOUNT_LOG) for d in parsed)
            else:
                service = record.get("eventSource", "").split(".")[0]
                found.append(
                    Denial(
                        action=f"{service}:{record.get('eventName')}",
                        principal=principal,
                        operation=record.get("eventName"),
                        source=Source.ACCOUNT_LOG,
                        evidence=record.get("errorMessage", ""),
                    )
                )
    return found


def _passed_in(denial: Denial, record: dict[str, Any]) -> Denial:
    """An iam:PassRole denied in a request that passes a role to the service called (a
    CloudFormation `RoleARN`: `passed_by_request`), with that service (when the request's
    role parameters all pass to one)."""
    if (denial.action or "").lower() != PASS_ROLE.lower():
        return denial
    hows = passed_by_request(
        str(record.get("eventSource") or "").split(".")[0], str(record.get("eventName") or "")
    )
    services = {how.service for how in hows}
    if denial.passed_to or len(services) != 1:
        return denial  # none, or the record does not tell which parameter named the role
    return replace(denial, passed_to=services.pop())


def _from_record(record: dict[str, Any]) -> Denial:
    deny = record.get("deny") or record.get("deny_kind") or "implicit"
    try:
        kind = DenyKind(deny)
    except ValueError:
        kind = DenyKind.UNKNOWN
    return Denial(
        action=record.get("action"),
        resource=record.get("resource"),
        principal=record.get("principal"),
        deny=kind,
        operation=record.get("operation"),
        source=Source.ACCOUNT_LOG,
        evidence=record.get("message", ""),
        resource_type=_handler_type(record) if record.get("demand") else "",
        passed_to=str(record.get("passed_to") or ""),
        request_keys=_request_keys(record.get("request_keys")),
    )


def _request_keys(text: Any) -> RequestKeys:
    """A record's `request_keys` (JSON: key -> values) as (key, values) pairs."""
    try:
        found = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        return ()
    if not isinstance(found, dict):
        return ()
    return tuple(
        (str(k), tuple(str(v) for v in vals))
        for k, vals in sorted(found.items())
        if isinstance(vals, list)
    )


def _handler_type(record: dict[str, Any]) -> str:
    """The resource type of a CloudFormation handler's demand (`AWS::X::Y create`)."""
    found = str(record.get("operation") or "").partition(" ")[0]
    return found if found.count("::") == 2 else ""


def _epoch(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return 0.0

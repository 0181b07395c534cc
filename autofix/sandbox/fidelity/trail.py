"""CloudTrail `LookupEvents` from the deny log: the sandbox's AccessDenied records as a real
account's trail shows them.

moto 5.2.5 has no `LookupEvents`. A real account's trail records every AccessDenied call
with its principal, event name and error message; autofix reads them there to corroborate a
denial a step printed (`[guard] cloudtrail`) or to find one a tool swallowed. Answering
from the deny log lets an allow-listed profile pointing at the sandbox play that account.
Filters: `StartTime`, `EndTime` and the `EventName`, `EventSource` and `Username` lookup
attributes (`ReadOnly` is not known per denial: every record is returned).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autofix.sandbox.records.deny_log import DenyRecord, read_deny_log


def install(deny_log: Path | None) -> None:
    """Give moto's CloudTrail a `LookupEvents` reading `deny_log` (nothing without one)."""
    from moto.cloudtrail.responses import CloudTrailResponse

    def lookup_events(self: Any) -> str:
        params = json.loads(self.body or "{}")
        records = read_deny_log(deny_log) if deny_log is not None else []
        events = [_event(r) for r in records if _wanted(r, params)]
        return json.dumps({"Events": events})

    CloudTrailResponse.lookup_events = lookup_events  # type: ignore[attr-defined]


def _epoch(text: str) -> float:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _wanted(record: DenyRecord, params: dict[str, Any]) -> bool:
    when = _epoch(record.time)
    start, end = params.get("StartTime"), params.get("EndTime")
    if isinstance(start, int | float) and when < start:
        return False
    if isinstance(end, int | float) and when > end:
        return False
    for attribute in params.get("LookupAttributes") or []:
        key, value = attribute.get("AttributeKey"), attribute.get("AttributeValue")
        actual = {
            "EventName": record.operation,
            "EventSource": f"{record.service}.amazonaws.com",
            "Username": record.principal.rsplit("/", 1)[-1],
        }.get(key)
        if actual is not None and actual != value:
            return False
    return True


def _event(record: DenyRecord) -> dict[str, Any]:
    source = f"{record.service}.amazonaws.com"
    detail = {
        "eventVersion": "1.08",
        "userIdentity": {"arn": record.principal, "accessKeyId": record.access_key_id},
        "eventTime": record.time,
        "eventSource": source,
        "eventName": record.operation,
        "errorCode": "AccessDenied",
        "errorMessage": record.message,
        "requestID": record.request_id,
    }
    return {
        "EventId": record.request_id or f"{record.time}-{record.action}",
        "EventName": record.operation,
        "EventTime": _epoch(record.time) or datetime.now(UTC).timestamp(),
        "EventSource": source,
        "Username": record.principal.rsplit("/", 1)[-1],
        "CloudTrailEvent": json.dumps(detail),
    }

"""The account's own record of denials: the fallback when a CLI hides the error.

Locally, the embedded sandbox's deny log (JSON lines). On a real account,
CloudTrail `LookupEvents`, which lags by minutes: it is polled with a bound.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autofix.account.session import Operator
from autofix.denials.model import Denial, DenyKind
from autofix.denials.parse import parse_denials


def sandbox_deny_log(path: Path, deployer_matches: Any) -> Any:
    """A reader of the sandbox's deny log, filtered to the deployer and the attempt."""

    def read(since: float) -> list[Denial]:
        if not path.exists():
            return []
        found: list[Denial] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if _epoch(record.get("time")) < since:
                continue
            if not deployer_matches(record.get("principal")):
                continue
            found.append(_from_record(record))
        return found

    return read


def cloudtrail_log(operator: Operator, deployer_matches: Any, wait_seconds: float = 300) -> Any:
    """CloudTrail AccessDenied events of the deployer since the attempt (lags minutes)."""
    trail = operator.client("cloudtrail")

    def read(since: float) -> list[Denial]:
        deadline = time.monotonic() + wait_seconds
        while True:
            found = _lookup(trail, since, deployer_matches)
            if found or time.monotonic() > deadline:
                return found
            time.sleep(30)

    return read


def _lookup(trail: Any, since: float, deployer_matches: Any) -> list[Denial]:
    found: list[Denial] = []
    pages = trail.get_paginator("lookup_events").paginate(
        StartTime=datetime.fromtimestamp(since, tz=UTC),
        LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "false"}],
    )
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
            if not deployer_matches(principal):
                continue
            parsed = parse_denials(record.get("errorMessage", ""))
            if parsed:
                found.extend(d.with_source("account-log") for d in parsed)
            else:
                service = record.get("eventSource", "").split(".")[0]
                found.append(
                    Denial(
                        action=f"{service}:{record.get('eventName')}",
                        principal=principal,
                        operation=record.get("eventName"),
                        source="account-log",
                        evidence=record.get("errorMessage", ""),
                    )
                )
    return found


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
        source="account-log",
        evidence=record.get("message", ""),
    )


def _epoch(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return 0.0

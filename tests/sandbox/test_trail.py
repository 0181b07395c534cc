"""CloudTrail `LookupEvents` answers from the deny log, as a real account's trail would."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from autofix.denials.parse import parse_denials


def test_a_denial_is_in_the_trail_with_its_principal_and_message(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    since = time.time() - 1
    user_arn, client = make_user(None)
    with pytest.raises(ClientError):
        client("sns").create_topic(Name="trail-probe")
    trail = operator_client("cloudtrail")
    events = trail.lookup_events(StartTime=since)["Events"]
    mine = [json.loads(e["CloudTrailEvent"]) for e in events]
    mine = [e for e in mine if e["userIdentity"]["arn"] == user_arn]
    [event] = mine
    assert event["errorCode"] == "AccessDenied"
    assert event["eventName"] == "CreateTopic" and event["eventSource"] == "sns.amazonaws.com"
    [denial] = parse_denials(event["errorMessage"])
    assert (denial.action or "").lower() == "sns:createtopic" and denial.principal == user_arn
    # an attribute filter and a start after the denial leave it out
    other = trail.lookup_events(
        StartTime=since,
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DeleteTopic"}],
    )["Events"]
    assert all(json.loads(e["CloudTrailEvent"])["userIdentity"]["arn"] != user_arn for e in other)
    assert trail.lookup_events(StartTime=time.time() + 60)["Events"] == []

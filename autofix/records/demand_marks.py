"""Mark each grant by where the sandbox's demand for it came from (rule or schema).

A CloudFormation handler denial in the embedded sandbox is worded like AWS's, so the
stack events cannot say whether a property-aware rule or a provider schema's whole
handler list (an upper bound) demanded the action. The sandbox's deny log can
(`"demand"`): this event sink follows each `grant_added` with a `grant_demand` ledger
event naming the tier, so a reader knows which grants rest on an upper bound.
"""

from __future__ import annotations

from pathlib import Path

from autofix.denials.model import Source
from autofix.records.events import GrantAdded, GrantDemand, LedgerEvent
from autofix.records.ledger import Events
from autofix.sandbox.records import json_lines


class DemandMarks:
    """An event sink: after a grant proven by stack events, emit its demand's tier."""

    def __init__(self, deny_log: Path, events: Events) -> None:
        self.deny_log = deny_log
        self.events = events

    def __call__(self, event: LedgerEvent) -> None:
        if not isinstance(event, GrantAdded) or event.source != Source.STACK_EVENTS:
            return
        tier = self.tier_of(event.action, event.principal)
        if tier:
            self.events.emit(
                GrantDemand(
                    step=event.step,
                    attempt=event.attempt,
                    action=event.action,
                    resource=event.resource,
                    demand=tier,
                )
            )

    def tier_of(self, action: str, principal: str | None) -> str | None:
        """The tier of the latest handler demand for `action` the sandbox denied `principal`."""
        found = None
        for record in json_lines(self.deny_log):
            if (
                record.get("demand")
                and str(record.get("action", "")).lower() == action.lower()
                and (principal is None or record.get("principal") == principal)
            ):
                found = str(record["demand"])
        return found

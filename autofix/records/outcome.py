"""What a run produced, as records, and `summary.json`."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class StepOutcome:
    """One step's result: the actions it first required, in the order found."""

    name: str
    ok: bool
    attempts: int
    actions: tuple[str, ...]
    seconds: float
    reason: str | None = None


@dataclass(frozen=True)
class Unverified:
    """A resource the sandbox could not check (no rule, no schema data, a custom resource)."""

    type: str
    logical_id: str
    step: str
    why: str
    stack: str = ""

    def to_json(self) -> dict[str, Any]:
        return _json_fields(self, leave_out="stack")


TIERS = ("checked", "schema-bound", "unverified")
"""How the sandbox checked a resource's handler calls, strongest first: a property-aware
rule; a provider schema's whole handler list (an upper bound the template did not narrow);
not at all."""


@dataclass(frozen=True)
class ResourceTier:
    """How the sandbox checked one resource in one step (its weakest operation's tier)."""

    type: str
    logical_id: str
    stack: str
    step: str
    tier: str
    """One of TIERS."""
    bound_actions: tuple[str, ...] = ()
    """`schema-bound`: the actions demanded because they are on the schema's list."""
    why: str = ""
    operations: tuple[str, ...] = ()
    """The handler operations the step called (create, update, delete)."""

    def to_json(self) -> dict[str, Any]:
        return _json_fields(self)


@dataclass(frozen=True)
class RunOutcome:
    ok: bool
    exit_code: int
    steps: tuple[StepOutcome, ...]
    attempts_total: int
    seconds: float
    reason: str | None = None
    flags: tuple[dict[str, Any], ...] = field(default=())
    account_id: str | None = None
    region: str | None = None
    verified: bool | None = None
    verification: str = ""
    """`replayed`, `skipped (...)`, `failed: ...` or `not reached (...)`."""
    pruned: tuple[str, ...] = ()
    unverified: tuple[Unverified, ...] = ()
    verify_replays: int = 0
    """Runs of a step in the verify pass (those of replays that had to grant are also in
    `attempts_total` and the steps' attempts)."""
    strategy: str = "trial"
    resources: tuple[ResourceTier, ...] = ()
    """Per resource the sandbox provisioned in the discovery pass: how it was checked."""
    verify_resources: tuple[ResourceTier, ...] = ()
    """The same for the verify pass's replays."""

    def to_summary(self) -> dict[str, Any]:
        """The `summary.json` shape."""
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "attempts_total": self.attempts_total,
            "seconds": round(self.seconds, 2),
            "reason": self.reason,
            "account_id": self.account_id,
            "region": self.region,
            "steps": [
                {
                    "name": s.name,
                    "ok": s.ok,
                    "attempts": s.attempts,
                    "seconds": round(s.seconds, 2),
                    "actions": list(s.actions),
                    **({"reason": s.reason} if s.reason else {}),
                }
                for s in self.steps
            ],
            "flags": list(self.flags),
            "verified": self.verified,
            "strategy": self.strategy,
            "verification": self.verification,
            "verify_replays": self.verify_replays,
            "pruned": list(self.pruned),
            "unverified": [u.to_json() for u in self.unverified],
            "resources": [r.to_json() for r in self.resources],
            "verify_resources": [r.to_json() for r in self.verify_resources],
        }


def _json_fields(record: Any, leave_out: str = "") -> dict[str, Any]:
    """A record's fields in their order, tuples as lists (but `leave_out`)."""
    values = {f.name: getattr(record, f.name) for f in fields(record) if f.name != leave_out}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}

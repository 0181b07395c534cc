"""Typed ledger events: one frozen record per kind of thing that happens in a run.

A ledger line is `{"event": KIND, "schema": SCHEMA_VERSION, "ts": ..., "run": ..., **fields}`;
the field names are those the ledger has always had, so older readers keep working.
`autofix.records.event_lines` turns a ledger line back into its event (one place, with the rules
for older, newer and damaged lines).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

SCHEMA_VERSION = 2
"""Version 1 ledgers carried no `schema` field; version 2 adds it and `phase`."""

DISCOVER = "discover"
OBSERVE = "observe"
"""`--strategy observe`: the soft-mode attempt, whose would-be denials are granted."""
VERIFY = "verify"
PREDICT = "predict"
"""`--strategy predict`: grants made before a step's first attempt, from its template."""


@dataclass(frozen=True, kw_only=True)
class LedgerEvent:
    """Base of every event; `kind` is the ledger's `event` field."""

    kind: ClassVar[str] = ""

    def fields(self) -> dict[str, Any]:
        """The JSON fields of the ledger line (without event, schema, ts, run)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True, kw_only=True)
class PhaseEvent(LedgerEvent):
    """An event of the repair loop, which runs in the discovery or the verify pass."""

    phase: str = DISCOVER


@dataclass(frozen=True, kw_only=True)
class RunStart(LedgerEvent):
    kind: ClassVar[str] = "run_start"
    steps: list[str]
    deployer: str
    start_actions: list[str]
    verify: bool = True
    strategy: str = "trial"
    trust_output: bool = False
    """Denials read from step output were granted without the account's record of them."""


@dataclass(frozen=True, kw_only=True)
class StepStart(PhaseEvent):
    kind: ClassVar[str] = "step_start"
    step: str
    index: int
    of: int
    command: str


@dataclass(frozen=True, kw_only=True)
class SetupRan(LedgerEvent):
    """A `[[setup]]` step ran as the operator (not the deployer) before the deploy steps."""

    kind: ClassVar[str] = "setup_ran"
    step: str
    command: str
    principal: str
    exit_code: int
    seconds: float


@dataclass(frozen=True, kw_only=True)
class AttemptStart(PhaseEvent):
    kind: ClassVar[str] = "attempt_start"
    step: str
    attempt: int
    total: int


@dataclass(frozen=True, kw_only=True)
class CommandExit(PhaseEvent):
    kind: ClassVar[str] = "command_exit"
    step: str
    attempt: int
    exit_code: int
    seconds: float
    timed_out: bool = False


@dataclass(frozen=True, kw_only=True)
class DenialFound(PhaseEvent):
    kind: ClassVar[str] = "denial_found"
    step: str
    attempt: int
    action: str | None
    resource: str | None
    principal: str | None
    deny: str
    fixable: bool
    source: str
    evidence: str = ""
    not_granted: str = ""
    """Why a denial that reads as fixable is not granted (printed, not observed)."""


@dataclass(frozen=True, kw_only=True)
class DenialOtherPrincipal(PhaseEvent):
    kind: ClassVar[str] = "denial_other_principal"
    principal: str | None
    action: str | None
    resource: str | None
    source: str


@dataclass(frozen=True, kw_only=True)
class GrantAdded(PhaseEvent):
    kind: ClassVar[str] = "grant_added"
    step: str
    attempt: int
    action: str
    resource: str
    new: bool
    note: str | None = None
    flagged: bool = False
    principal: str | None = None
    source: str | None = None
    condition: dict[str, Any] | None = None
    """The grant's IAM `Condition` element (`iam:PassedToService`, ...), when it has one."""


@dataclass(frozen=True, kw_only=True)
class GrantFlagged(PhaseEvent):
    kind: ClassVar[str] = "grant_flagged"
    step: str
    action: str
    resource: str
    risk: str
    needed_for: str


@dataclass(frozen=True, kw_only=True)
class GuardRefused(PhaseEvent):
    kind: ClassVar[str] = "guard_refused"
    step: str
    refusals: list[dict[str, str]]
    principal: str | None = None


@dataclass(frozen=True, kw_only=True)
class PolicyApplied(PhaseEvent):
    kind: ClassVar[str] = "policy_applied"
    mode: str
    name: str
    statements: int
    version: str | None = None
    deleted_version: str | None = None
    actions: int = 0
    principal: str | None = None
    """None for the deployer; the ARN of a managed role otherwise."""

    def fields(self) -> dict[str, Any]:
        out = super().fields()
        if out["principal"] is None:  # the deployer's lines never named it
            del out["principal"]
        return out


@dataclass(frozen=True, kw_only=True)
class Wait(PhaseEvent):
    kind: ClassVar[str] = "wait"
    seconds: float
    why: str
    step: str | None = None


@dataclass(frozen=True, kw_only=True)
class StackRecovered(PhaseEvent):
    kind: ClassVar[str] = "stack_recovered"
    step: str
    attempt: int
    stack: str
    status: str
    action: str
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class StepOk(PhaseEvent):
    kind: ClassVar[str] = "step_ok"
    step: str
    attempts: int
    actions: list[str | None]
    granted_after_success: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class StepFailedEvent(PhaseEvent):
    kind: ClassVar[str] = "step_failed"
    step: str
    attempts: int
    reason: str
    exit_code: int = 1
    tail: str = ""


@dataclass(frozen=True, kw_only=True)
class VerifyStart(LedgerEvent):
    kind: ClassVar[str] = "verify_start"
    actions: int
    round: int = 1
    where: str = ""


@dataclass(frozen=True, kw_only=True)
class VerifyRoundEnd(LedgerEvent):
    """One replay of every step under the policy: clean, or what it had to grant."""

    kind: ClassVar[str] = "verify_round"
    round: int
    ok: bool
    attempts: int
    granted: list[str]
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class VerifyOk(LedgerEvent):
    kind: ClassVar[str] = "verify_ok"
    pruned: list[str]
    rounds: int = 1


@dataclass(frozen=True, kw_only=True)
class VerifyFailed(LedgerEvent):
    kind: ClassVar[str] = "verify_failed"
    reason: str
    steps: list[str]


@dataclass(frozen=True, kw_only=True)
class VerifySkipped(LedgerEvent):
    kind: ClassVar[str] = "verify_skipped"
    reason: str


@dataclass(frozen=True, kw_only=True)
class PruneReverted(LedgerEvent):
    kind: ClassVar[str] = "prune_reverted"
    actions: list[str]
    reason: str


@dataclass(frozen=True, kw_only=True)
class GrantPruned(LedgerEvent):
    kind: ClassVar[str] = "grant_pruned"
    action: str
    why: str
    resource: str | None = None
    """Set when only this resource pattern of the action was pruned (the action stays)."""
    role: str | None = None
    """Set when the grant was a managed role's (`principal.also_manage`), not the deployer's."""


@dataclass(frozen=True, kw_only=True)
class GrantGeneralised(LedgerEvent):
    """The final check replaced a generated physical name in a grant by a wildcard."""

    kind: ClassVar[str] = "grant_generalised"
    action: str
    resource: str
    now: str
    why: str


@dataclass(frozen=True, kw_only=True)
class GrantDemand(LedgerEvent):
    """Where the sandbox's demand for a grant came from: a property-aware rule or a schema."""

    kind: ClassVar[str] = "grant_demand"
    step: str | None
    attempt: int | None
    action: str
    resource: str | None
    demand: str


@dataclass(frozen=True, kw_only=True)
class ResourceUnverified(LedgerEvent):
    """A resource the embedded sandbox created without checking the caller."""

    kind: ClassVar[str] = "resource_unverified"
    type: str
    logical_id: str
    step: str
    why: str
    stack: str = ""


@dataclass(frozen=True, kw_only=True)
class RunInterrupted(LedgerEvent):
    kind: ClassVar[str] = "run_interrupted"
    attempts_total: int


@dataclass(frozen=True, kw_only=True)
class RunEnd(LedgerEvent):
    kind: ClassVar[str] = "run_end"
    ok: bool
    exit_code: int
    attempts_total: int
    reason: str | None
    actions: list[str]
    role_actions: dict[str, list[str]] = field(default_factory=dict)
    verified: bool | None = None
    verification: str = ""


@dataclass(frozen=True, kw_only=True)
class DemandUnmeetable(PhaseEvent):
    """A denial no grant of autofix can meet (a demand on `*` it will not grant on `*`):
    the step stops at once. `rule` is the guard's rule when the guard refuses it, else
    `scoped`; `tier` the sandbox's (`rule` or `schema`) when its deny log says."""

    kind: ClassVar[str] = "demand_unmeetable"
    step: str
    attempt: int
    action: str
    resource: str
    principal: str | None
    rule: str
    why: str
    resource_type: str = ""
    logical_id: str = ""
    stack: str = ""
    operation: str = ""
    tier: str = ""


EVENT_TYPES: dict[str, type[LedgerEvent]] = {
    cls.kind: cls
    for cls in (
        RunStart,
        StepStart,
        SetupRan,
        AttemptStart,
        CommandExit,
        DenialFound,
        DenialOtherPrincipal,
        GrantAdded,
        GrantFlagged,
        GuardRefused,
        PolicyApplied,
        Wait,
        StackRecovered,
        StepOk,
        StepFailedEvent,
        VerifyStart,
        VerifyRoundEnd,
        VerifyOk,
        VerifyFailed,
        VerifySkipped,
        PruneReverted,
        GrantPruned,
        GrantGeneralised,
        GrantDemand,
        ResourceUnverified,
        RunInterrupted,
        RunEnd,
        DemandUnmeetable,
    )
}


def from_fields(kind: str, fields: dict[str, Any]) -> LedgerEvent:
    """The typed event of `kind`; KeyError for an unknown kind, TypeError for bad fields."""
    cls = EVENT_TYPES[kind]
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in fields.items() if k in known})

"""A finished (or interrupted) run as frozen records, read back from its output directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autofix.records.outcome import ResourceTier


@dataclass(frozen=True)
class Proof:
    """One denial that proved an action was needed: the text and the channel it came from."""

    source: str | None
    evidence: str | None
    deny: str | None = None
    resource: str | None = None
    principal: str | None = None


@dataclass(frozen=True)
class ActionRecord:
    """An action a step first required, with the attempt it came in and its proofs."""

    action: str
    attempt: int | None
    resources: tuple[str, ...] = ()
    proofs: tuple[Proof, ...] = ()
    after_success: bool = False
    """Granted because a step that succeeded still printed a denial (a warning)."""

    @property
    def source(self) -> str | None:
        return self.proofs[0].source if self.proofs else None

    @property
    def evidence(self) -> str | None:
        return self.proofs[0].evidence if self.proofs else None


@dataclass(frozen=True)
class AttemptRecord:
    """One run of a step's command."""

    number: int
    seconds: float | None
    exit_code: int | None
    timed_out: bool = False
    found: tuple[str, ...] = ()
    """Actions first required because of this attempt's denials."""
    started_at: float | None = None
    """Seconds from the start of the run (from the ledger's timestamps)."""


@dataclass(frozen=True)
class Recovery:
    """A stack the operator repaired between attempts."""

    attempt: int | None
    stack: str
    status: str | None
    action: str | None
    detail: str | None


@dataclass(frozen=True)
class VerifyRecord:
    """The replay of the final policy in a fresh sandbox after success."""

    ok: bool | None
    """None when it never finished."""
    started_at: float | None
    """Seconds from the start of the run."""
    seconds: float | None
    pruned: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepRecord:
    """One deploy step: `status` is ok, failed, interrupted, unfinished or not reached."""

    name: str
    status: str
    attempts: int
    seconds: float | None
    actions: tuple[ActionRecord, ...]
    attempt_log: tuple[AttemptRecord, ...] = ()
    command: str | None = None
    reason: str | None = None
    exit_code: int | None = None
    tail: str | None = None
    unresolved: tuple[Proof, ...] = ()
    """Denials seen in the step whose action was never granted (why it stopped)."""
    recoveries: tuple[Recovery, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class RunRecord:
    """Everything a report shows about one run."""

    directory: Path
    verdict: str
    """succeeded, failed, interrupted or unfinished (no summary, no run_end)."""
    exit_code: int | None
    attempts_total: int
    seconds: float | None
    reason: str | None
    steps: tuple[StepRecord, ...]
    policy: dict[str, Any] | None
    flags: tuple[dict[str, Any], ...] = ()
    run_id: str | None = None
    deployer: str | None = None
    start_actions: tuple[str, ...] = ()
    started_at: str | None = None
    ended_at: str | None = None
    notes: tuple[str, ...] = field(default=())
    """What was missing or unreadable in the directory (shown in the report)."""
    verify: VerifyRecord | None = None
    resources: tuple[ResourceTier, ...] = ()
    """How the sandbox checked each resource it provisioned, per step (discovery)."""
    verify_resources: tuple[ResourceTier, ...] = ()
    """The same in the verify pass's replays."""

    @property
    def ok(self) -> bool:
        return self.verdict == "succeeded"

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action the steps first required, in the order found."""
        return tuple(a.action for s in self.steps for a in s.actions)

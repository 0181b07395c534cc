"""What the repair loop is given and gives back: settings, output files, the verify
pass's result, a strategy's hooks, and the exception that ends a step."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from autofix.config import Step
from autofix.denials.model import Denial
from autofix.loop.grantor import Added, Grantor
from autofix.policy.document import PolicyDocument
from autofix.records.outcome import StepOutcome
from autofix.sandbox import DEFAULT_ACCOUNT_ID
from autofix.sandbox.records import Directory, FileIn
from autofix.step.executor import Execution


@dataclass(frozen=True)
class LoopSettings:
    max_attempts: int = 40
    max_seconds: float = 3600.0
    propagation_retries: int = 0
    account_id: str = DEFAULT_ACCOUNT_ID
    region: str = "us-east-1"


class OutputFiles(Directory):
    """A run's own files, in its output directory."""

    policy = FileIn("policy.json")
    ledger = FileIn("ledger.jsonl")
    summary = FileIn("summary.json")

    def role_policy(self, role: str) -> Path:
        """The discovered policy of another managed role (`principal.also_manage`)."""
        return self.directory / f"policy-{role}.json"


@dataclass(frozen=True)
class Verification:
    """What the verify pass found: whether the final policy replayed in a fresh account."""

    verified: bool
    status: str
    """`replayed`, `skipped (...)` or `failed: ...`, as summary.json's `verification`."""
    policy: PolicyDocument
    role_policies: Mapping[str, PolicyDocument]
    pruned: tuple[str, ...] = ()
    replays: int = 0
    """Every run of a step in the verify pass."""
    steps: tuple[StepOutcome, ...] = ()
    """Per step, the attempts and actions of replays that had to grant (they count)."""
    exit_code: int = 0


Verifier = Callable[[PolicyDocument, Mapping[str, PolicyDocument], float], Verification]
"""(deployer policy, role policies, deadline) -> the verify pass's result."""


class StepFailed(Exception):
    """A step cannot be made to succeed; `exit_code` 1, 2 (configuration) or 3 (guard)."""

    def __init__(
        self, reason: str, exit_code: int = 1, tail: str = "", before_attempt: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.exit_code = exit_code
        self.tail = tail
        self.before_attempt = before_attempt  # raised by a bound, before the attempt ran


Sleep = Callable[[float], None]


class Planner(Protocol):
    """A strategy's hooks (`--strategy predict`): grant ahead, widen a denial to its group."""

    def before_step(self, step: Step, grantors: Sequence[Grantor]) -> list[Added]:
        """Grant ahead through the principals' grantors (the deployer's first)."""
        ...

    def widen(self, execution: Execution, denials: Sequence[Denial]) -> list[Denial]: ...

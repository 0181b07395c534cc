"""One grantor per principal: scope the denials, guard, store, apply, wait, record.

The same code grants to the deployer and to every managed role (`principal.also_manage`);
only the policy file and the principal differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from botocore.exceptions import ClientError

from autofix.account.principal import AppliedPolicy
from autofix.denials.model import Denial
from autofix.errors import AutofixError, ExitCode
from autofix.policy import conditions
from autofix.policy.document import PolicyDocument
from autofix.policy.generated import GeneratedNames
from autofix.policy.guard import Flag, GuardReport, check
from autofix.policy.intent import Namespace
from autofix.policy.scope import ScopeContext, ScopedGrant, grants_for
from autofix.records.events import (
    DISCOVER,
    GrantAdded,
    GrantFlagged,
    GuardRefused,
    PolicyApplied,
    Wait,
)
from autofix.records.files import write_atomic
from autofix.records.ledger import Events


class GrantFailed(Exception):
    """A grant that must not or cannot be made; `exit_code` 3 for the guard, else 1 or 2."""

    def __init__(self, reason: str, exit_code: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.exit_code = exit_code


class Principal(Protocol):
    """What a grantor needs of a principal (`account.principal.Deployer` is one)."""

    arn: str
    managed_arn: str

    def matches(self, principal_arn: str | None) -> bool: ...

    def matches_exactly(self, principal_arn: str | None) -> bool: ...

    def apply(self, policy: PolicyDocument) -> AppliedPolicy: ...

    def wait_until_effective(self, policy: PolicyDocument, settle_seconds: float) -> float: ...

    def exists(self) -> bool: ...


@dataclass(frozen=True)
class Added:
    """A grant just made; `new` when its action was not granted before on any resource."""

    grant: ScopedGrant
    new: bool


@dataclass(frozen=True)
class GrantRules:
    """How denials become grants, the same for every principal of a run."""

    scope: ScopeContext
    allow_self_edit: bool = False
    settle_seconds: float = 0.0
    generated: Callable[[], GeneratedNames] | None = None
    """The generated physical names the stacks showed so far (read at each grant)."""
    trust_output: bool = False
    """Grant denials read from a step's output even when the account never recorded them."""
    namespace: Namespace | None = None
    """What belongs to the deployment (None: no intent scoping); the stacks widen it."""

    def scope_now(self) -> ScopeContext:
        """The scope, with the generated names known at this moment."""
        if self.generated is None:
            return self.scope
        return replace(self.scope, generated=self.generated())

    def namespace_now(self, *principals: str) -> Namespace | None:
        """The namespace, with the stacks seen so far and the `principals` themselves."""
        if self.namespace is None:
            return None
        names = self.generated() if self.generated is not None else GeneratedNames()
        return self.namespace.widened(
            names=[*(n.stack for n in names.names), *(u.stack for u in names.unnamed)],
            owned=[*names.explicit, *(n.name for n in names.names), *principals],
        )


@dataclass(eq=False)
class Grantor:
    """Holds one principal's discovered policy and grows it one scoped grant at a time."""

    principal: Principal
    policy: PolicyDocument
    policy_file: Path
    rules: GrantRules
    events: Events
    is_deployer: bool = True
    flags: dict[tuple[str, str], Flag] = field(default_factory=dict, init=False)
    applied: bool = field(default=False, init=False)
    """The policy is stored on the principal (see `apply_when_present`)."""
    _known_actions: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self._known_actions = {a.lower() for a in self.policy.actions}

    @property
    def arn(self) -> str:
        return self.principal.arn

    def owns(self, principal_arn: str | None) -> bool:
        """Whether a denial of `principal_arn` is this principal's to fix.

        The deployer also owns denials that name no principal (most client errors).
        """
        if self.is_deployer:
            return self.principal.matches(principal_arn)
        return self.principal.matches_exactly(principal_arn)

    def grant(
        self, denials: Sequence[Denial], step: str, attempt: int, phase: str = DISCOVER
    ) -> list[Added]:
        """Add what `denials` need and is not granted yet; apply it and wait until in force.

        Returns the grants added (empty: nothing new can be granted). Raises GrantFailed
        when the guard refuses one of them or the policy cannot be stored.
        """
        scoped = [
            g
            for g in grants_for(list(denials), self.rules.scope_now())
            if not self.policy.has(g.grant)
        ]
        if not scoped:
            return []
        self._guard(scoped, step, phase)
        self.policy = self.policy.with_grants(g.grant for g in scoped)
        write_atomic(self.policy_file, self.policy.dumps())
        added = []
        for grant in scoped:
            new = grant.action.lower() not in self._known_actions
            added.append(Added(grant, new))
            self._known_actions.add(grant.action.lower())
            self.events.emit(
                GrantAdded(
                    step=step,
                    attempt=attempt,
                    action=grant.action,
                    resource=grant.resource,
                    new=new,
                    note=grant.note,
                    flagged=(grant.action, grant.resource) in self.flags,
                    principal=self.arn,
                    source=grant.denial.source if grant.denial else None,
                    phase=phase,
                    condition=conditions.to_json(grant.grant.condition) or None,
                )
            )
        self.apply(phase)
        return added

    def admissible(self, denials: Sequence[Denial]) -> list[Denial]:
        """The `denials` whose grants the safety guard would not refuse (for predictions:
        a refused prediction is dropped quietly; a real denial of it still meets the guard)."""
        ctx = self.rules.scope_now()
        return [
            d
            for d in denials
            if not self._judge(
                [g for g in grants_for([d], ctx) if not self.policy.has(g.grant)]
            ).refusals
        ]

    def apply_when_present(self, phase: str = DISCOVER) -> bool:
        """Apply the policy once the principal exists: a managed role a step creates (CDK's
        execution role, made by a bootstrap) has no policy to hold before. True when applied now.
        """
        if self.applied or not self.policy.actions or not self.principal.exists():
            return False
        self.apply(phase)
        return True

    def apply(self, phase: str = DISCOVER) -> None:
        """Store the policy in the account and wait until it is in force."""
        write_atomic(self.policy_file, self.policy.dumps())
        self.applied = True
        try:
            applied = self.principal.apply(self.policy)
        except AutofixError as exc:
            raise GrantFailed(str(exc), exc.exit_code) from None
        except ClientError as exc:
            raise GrantFailed(f"cannot store the policy of {self.arn}: {exc}") from None
        self.events.emit(
            PolicyApplied(
                principal=None if self.is_deployer else self.arn,
                mode=applied.mode,
                name=applied.name,
                statements=applied.statements,
                version=applied.version_id,
                deleted_version=applied.deleted_version,
                actions=len(self.policy.actions),
                phase=phase,
            )
        )
        waited = self.principal.wait_until_effective(self.policy, self.rules.settle_seconds)
        to = "" if self.is_deployer else f" to {self.arn}"
        self.events.emit(
            Wait(seconds=round(waited, 3), why=f"until the grant{to} is in force", phase=phase)
        )

    def _judge(self, scoped: list[ScopedGrant]) -> GuardReport:
        return check(
            [*(ScopedGrant(g) for g in self.policy.grants), *scoped],
            self.arn,
            self.rules.allow_self_edit,
            deployer_attached=(self.principal.managed_arn,),
            namespace=self.rules.namespace_now(self.arn.rsplit("/", 1)[-1]),
        )

    def _guard(self, scoped: list[ScopedGrant], step: str, phase: str) -> None:
        """Refuse (exit 3) what must never be granted; remember the flagged grants."""
        report = self._judge(scoped)
        if report.refusals:
            self.events.emit(
                GuardRefused(
                    step=step,
                    refusals=[
                        {"action": r.action, "resource": r.resource, "rule": r.rule}
                        for r in report.refusals
                    ],
                    principal=None if self.is_deployer else self.arn,
                    phase=phase,
                )
            )
            lines = "; ".join(f"{r.action} on {r.resource}: {r.message}" for r in report.refusals)
            whose = "" if self.is_deployer else f" for {self.arn}"
            raise GrantFailed(
                f"refused by the safety guard{whose}: {lines}", exit_code=ExitCode.REFUSED
            )
        for flag in report.flags:
            key = (flag.action, flag.resource)
            if key not in self.flags:
                needed = flag.needed_for or f"denied in step {step}"
                self.flags[key] = Flag(flag.action, flag.resource, flag.risk, needed)
                self.events.emit(
                    GrantFlagged(
                        step=step,
                        action=flag.action,
                        resource=flag.resource,
                        risk=flag.risk,
                        needed_for=needed,
                        phase=phase,
                    )
                )

"""A demand no grant can meet: the step stops at once, saying why, instead of "no progress".

A denial on the resource `*` is met only by a grant on `*`. When the grant autofix would
make for it is not on `*` (it scopes the action to a pattern, which a request on `*` never
matches), or the safety guard refuses the action on `*` (`iam:PassRole`, the other
escalation actions, ...), retrying cannot help. The stop names the resource that demanded
it and the sandbox's tier when known (autofix.harvest.demand_origin), the action and
resource, and why autofix will not grant it. Exit 3 when the guard refuses it (the
documented exit of a guard refusal), 1 otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from autofix.denials.model import Denial, Source
from autofix.errors import ExitCode
from autofix.harvest.demand_origin import DemandOrigin, Origins, tier_words
from autofix.loop.grantor import Grantor
from autofix.policy.document import Grant
from autofix.policy.guard import Refusal, check
from autofix.policy.scope import ScopeContext, ScopedGrant, grants_for
from autofix.records.events import DemandUnmeetable

__all__ = ["Unmeetable", "find_unmeetable"]

ANY = "*"
_SEEN_IN: dict[str, str] = {
    Source.OUTPUT: "the step's output",
    Source.STACK_EVENTS: "the stack events",
    Source.DECODED: "a decoded authorization message",
    Source.ACCOUNT_LOG: "the account's deny log",
}


@dataclass(frozen=True)
class Unmeetable:
    """One denial no grant of autofix can meet, and why."""

    denial: Denial
    principal: str
    is_deployer: bool
    scoped_to: tuple[str, ...]
    """The resources autofix would grant it on instead (none of them `*`)."""
    refusal: Refusal | None
    """The guard's refusal of the action on `*`, when it refuses it."""
    origin: DemandOrigin | None
    any_scope_grants: bool = False
    """`--scope any` would grant it on `*` (and the guard would let it)."""

    @property
    def action(self) -> str:
        return self.denial.action or ""

    @property
    def exit_code(self) -> int:
        return ExitCode.REFUSED if self.refusal is not None else ExitCode.FAILED

    @property
    def why(self) -> str:
        """Why autofix will not grant it, in words."""
        if self.refusal is not None:
            return f"the safety guard refuses {self.action} on *: {self.refusal.message}"
        scoped = ", ".join(self.scoped_to) or "nothing"
        hint = " (`--scope any` would grant it on *)" if self.any_scope_grants else ""
        return f"it is granted only on {scoped}, which a request on * never matches{hint}"

    def line(self) -> str:
        """The one line the run stops with."""
        origin = self.origin or DemandOrigin()
        who = origin.resource_words() or "the step"
        by = f"seen in {_SEEN_IN.get(self.denial.source, self.denial.source)}"
        if origin.tier:
            by = f"demanded by {tier_words(origin.tier, origin.operation)}"
        to = "" if self.is_deployer else f" to {self.principal}"
        return (
            f"a demand no grant can meet: {who} demands {self.action} on * ({by}); "
            f"autofix will not grant it{to}: {self.why}"
        )

    def event(self, step: str, attempt: int, phase: str) -> DemandUnmeetable:
        origin = self.origin or DemandOrigin()
        return DemandUnmeetable(
            step=step,
            attempt=attempt,
            action=self.action,
            resource=ANY,
            principal=self.denial.principal or self.principal,
            rule=self.refusal.rule if self.refusal else "scoped",
            why=self.why,
            resource_type=origin.resource_type,
            logical_id=origin.logical_id,
            stack=origin.stack,
            operation=origin.operation,
            tier=origin.tier,
            phase=phase,
        )


def find_unmeetable(
    denials: Sequence[Denial],
    grantors: Sequence[Grantor],
    origins: Origins | None = None,
    since: float = 0.0,
) -> Unmeetable | None:
    """The first of `denials` on `*` that the grant autofix would make cannot meet."""
    for denial in denials:
        if not denial.fixable or not denial.action or denial.resource != ANY:
            continue
        grantor = next((g for g in grantors if g.owns(denial.principal)), None)
        if grantor is None:
            continue
        ctx = grantor.rules.scope_now()
        scoped = tuple(g.resource for g in grants_for([denial], ctx))
        refusal = _refusal(grantor, denial.action)
        if ANY in scoped and refusal is None:
            continue  # granted on `*`: met
        return Unmeetable(
            denial,
            grantor.arn,
            grantor.is_deployer,
            tuple(r for r in scoped if r != ANY),
            refusal,
            origins(denial, since) if origins is not None else None,
            any_scope_grants=refusal is None and _granted_on_any(denial, ctx),
        )
    return None


def _refusal(grantor: Grantor, action: str) -> Refusal | None:
    """The guard's refusal of `action` on `*` for this principal, with what it holds."""
    report = check(
        [*(ScopedGrant(g) for g in grantor.policy.grants), ScopedGrant(Grant(action, ANY))],
        grantor.arn,
        grantor.rules.allow_self_edit,
        deployer_attached=(grantor.principal.managed_arn,),
    )
    mine = (r for r in report.refusals if r.resource == ANY and r.action.lower() == action.lower())
    return next(mine, None)


def _granted_on_any(denial: Denial, ctx: ScopeContext) -> bool:
    if ctx.mode == "any":
        return False
    return any(g.resource == ANY for g in grants_for([denial], replace(ctx, mode="any")))

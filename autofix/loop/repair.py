"""From a failed attempt's denials to grants: record them, refuse what no grant may fix,
and let each principal's grantor grant its share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from autofix.denials.model import Denial
from autofix.harvest.demand_origin import Origins
from autofix.loop.contracts import Planner, StepFailed
from autofix.loop.grantor import GrantFailed, Grantor
from autofix.loop.unmeetable import find_unmeetable
from autofix.policy.arns import malformed
from autofix.records.events import DenialFound, DenialOtherPrincipal
from autofix.records.ledger import Events
from autofix.step.executor import Execution


@dataclass(eq=False)
class DenialRepair:
    """Grants what an attempt was denied, for the deployer and every managed role.

    `found` lists (in order) the deployer actions a step first required; the methods add
    to it. `granted` counts the grants made to any principal.
    """

    deployer: Grantor
    roles: Mapping[str, Grantor]
    events: Events
    phase: str
    may_grant: bool
    planner: Planner | None
    origins: Origins | None = None
    """Where a denied demand came from (the sandbox's deny log), for a stop's line."""
    granted: int = field(default=0, init=False)
    last_repeated: list[str] = field(default_factory=list, init=False)
    """The actions the last failed attempt was denied, to any principal autofix grants
    to (for `no progress`)."""

    @property
    def grantors(self) -> tuple[Grantor, ...]:
        return (self.deployer, *self.roles.values())

    def repair(self, execution: Execution, found: list[str]) -> bool:
        """Grant what the failed attempt was denied; False when nothing new can be granted."""
        denials = list(execution.denials)
        for denial in denials:
            self.record(execution, denial)
        if not denials:
            cause = f": {execution.failures[0]}" if execution.failures else ""
            raise StepFailed(
                f"the step failed (exit {execution.result.exit_code}) and no permission error "
                f"was found in its output: not something a grant can fix{cause}",
                tail=execution.result.tail(),
            )
        denials = self._without_unproven(denials, execution)
        denials = self._refuse_unfixable(denials, execution)
        self._refuse_malformed(denials, execution)
        self._stop_if_unmeetable(denials, execution)
        if not self.may_grant:
            named = sorted({d.action or "an unnamed action" for d in denials})
            raise StepFailed(f"denied {', '.join(named)}", tail=execution.result.tail())
        self.last_repeated = sorted(
            {d.action for d in denials if d.action and self._owned(d.principal)}
        )
        if self.planner is not None:
            denials += self.deployer.admissible(self.planner.widen(execution, denials))
        # a managed role the attempt itself made (a verify replay) has its policy only now
        applied = [g for g in self.roles.values() if g.apply_when_present(self.phase)]
        return self._grant_all(execution, denials, found) > 0 or bool(applied)

    def after_success(self, execution: Execution, found: list[str]) -> list[str]:
        """A step can succeed while printing a denial (a warning): grant those too."""
        harvested = [d for d in execution.denials if d.fixable]
        for denial in [*harvested, *(d for d in execution.denials if d.not_granted)]:
            self.record(execution, denial)
        before = set(self.deployer.policy.grants)
        if harvested and self.may_grant:
            self._grant_all(execution, harvested, found)
        return [g.action for g in self.deployer.policy.grants if g not in before]

    def record(self, execution: Execution, denial: Denial) -> None:
        self.events.emit(
            DenialFound(
                step=execution.step.name,
                attempt=execution.attempt,
                action=denial.action,
                resource=denial.resource,
                principal=denial.principal,
                deny=denial.deny.value,
                fixable=denial.fixable,
                source=denial.source,
                evidence=denial.evidence[:500],
                not_granted=denial.not_granted,
                phase=self.phase,
            )
        )

    def _without_unproven(self, denials: list[Denial], execution: Execution) -> list[Denial]:
        """The denials, less those never granted (a step printed them and the account never
        recorded them; a TemplateURL that names no object); stops when no other is left (the
        step's failure is then not one a grant can fix)."""
        kept = [d for d in denials if not d.not_granted]
        if kept:
            return kept
        named = ", ".join(
            sorted({f"{d.action} on {d.resource or 'no named resource'}" for d in denials})
        )
        raise StepFailed(
            f"the step failed, and the only denials are ones that are not granted "
            f"({named}): {denials[0].not_granted}",
            tail=execution.result.tail(),
        )

    def _grant_all(self, execution: Execution, denials: list[Denial], found: list[str]) -> int:
        """Each grantor grants its principal's share of `denials`; the number of grants."""
        added = 0
        for grantor in self.grantors:
            mine = [d for d in denials if grantor.owns(d.principal)]
            if not mine:
                continue
            try:
                grants = grantor.grant(mine, execution.step.name, execution.attempt, self.phase)
            except GrantFailed as failure:
                raise StepFailed(failure.reason, exit_code=failure.exit_code) from None
            added += len(grants)
            if grantor is self.deployer:
                for a in grants:
                    if a.new and a.grant.action not in found:
                        found.append(a.grant.action)
        self.granted += added
        return added

    def _stop_if_unmeetable(self, denials: list[Denial], execution: Execution) -> None:
        """Stop at once on a denial no grant can meet (a demand on `*` never granted on `*`)."""
        stop = find_unmeetable(denials, self.grantors, self.origins, execution.started)
        if stop is None:
            return
        self.events.emit(stop.event(execution.step.name, execution.attempt, self.phase))
        raise StepFailed(stop.line(), exit_code=stop.exit_code, tail=execution.result.tail())

    def _refuse_malformed(self, denials: list[Denial], execution: Execution) -> None:
        """Stop at once on a demand on an ARN IAM takes in no policy (`arn::lambda:...`, a
        template's value): no grant can name it, and the fix is the value, not a grant."""
        for denial in denials:
            why = malformed(denial.resource or "") if denial.fixable else None
            if why is None:
                continue
            origin = self.origins(denial, execution.started) if self.origins else None
            who = (origin.resource_words() if origin else "") or "the step"
            raise StepFailed(
                f"a demand on no ARN: {who} demands {denial.action} on {denial.resource}, "
                f"which no policy can name ({why}); the value comes from the template or "
                "the step's input: correct it there",
                tail=execution.result.tail(),
            )

    def _owned(self, principal: str | None) -> bool:
        return any(g.owns(principal) for g in self.grantors)

    def _refuse_unfixable(self, denials: list[Denial], execution: Execution) -> list[Denial]:
        """Stop on a denial no grant of ours may fix: an explicit deny, or another principal's
        when the attempt was denied nothing autofix can grant. Beside a denial of our own,
        another principal's is recorded and the loop goes on: the account's records of the
        attempt's time hold every stack that changed then, another user's too (a shared
        account), and a role of the step's own that still lacks a grant is denied again on
        the next attempt, alone, and stops it then. Returns the denials autofix may grant."""
        tail = execution.result.tail()
        ours = any(d.fixable and self._owned(d.principal) for d in denials)
        for denial in denials:
            if denial.fixable and self._owned(denial.principal):
                continue
            if denial.fixable:
                self.events.emit(
                    DenialOtherPrincipal(
                        principal=denial.principal,
                        action=denial.action,
                        resource=denial.resource,
                        source=denial.source,
                        phase=self.phase,
                    )
                )
                if ours:
                    continue
                raise StepFailed(
                    f"{denial.action} on {denial.resource or '*'} was denied to "
                    f"{denial.principal}, which is not the deployer: that principal needs "
                    f"{denial.action}; grant it yourself, or name its role in "
                    "principal.also_manage to let autofix grant it",
                    tail=tail,
                )
            if denial.action is None:
                continue
            if not denial.action_known:
                raise StepFailed(
                    f"{denial.action} was denied but is not a known IAM action; not granted",
                    tail=tail,
                )
            raise StepFailed(
                f"{denial.action} is denied by an explicit deny ({denial.deny.value}"
                f"{': ' + denial.policy_arn if denial.policy_arn else ''}); "
                "a grant cannot fix that",
                tail=tail,
            )
        return [d for d in denials if not d.fixable or self._owned(d.principal)]

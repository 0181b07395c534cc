"""The verify pass: success means the final policy replays cleanly in a fresh account.

Each round replays every step in a fresh account (a new embedded sandbox, or on a real
account the same account with a fresh stack name) under the policy found so far. A
denial in a replay is harvested and granted like any other, recorded with
`"phase": "verify"`, and the next round replays again, until one round needs nothing
(verified) or the round bound is reached (not verified: exit 1). Then the actions that
clean replay never used, and the resource patterns of used actions that no call matched
(a pattern a later grant superseded), are pruned, and the smaller policy must replay
cleanly as well. So are those of each managed role's policy (`principal.also_manage`)
that no call of that role used; should the replay fail with them pruned, the deployer's
unused actions alone are tried.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from autofix.config import Step
from autofix.harvest.demand_origin import Origins
from autofix.loop.contracts import LoopSettings, OutputFiles, Planner, Verification
from autofix.loop.grantor import GrantFailed, Grantor
from autofix.loop.repair_loop import RepairLoop
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.generated import GeneratedNames
from autofix.records.events import (
    VERIFY,
    GrantPruned,
    LedgerEvent,
    PruneReverted,
    VerifyFailed,
    VerifyOk,
    VerifyRoundEnd,
    VerifyStart,
)
from autofix.records.ledger import Events, EventSink
from autofix.records.outcome import StepOutcome
from autofix.step.executor import Executor


@dataclass(frozen=True)
class Account:
    """What one replay needs of a fresh account."""

    executor: Executor
    deployer: Grantor
    roles: Mapping[str, Grantor]
    unused: Callable[[], tuple[str, ...] | None]
    """After the replay: the deployer's granted actions it never used (None: cannot tell)."""
    events: Events
    """The replay's own record (its ledger); the run's ledger gets what it must know."""
    generated: Callable[[], GeneratedNames] | None = None
    """The generated physical names its stacks showed so far."""
    planner: Planner | None = None
    """The strategy's hooks (`predict`), for the run's own account."""
    origins: Origins | None = None
    """Where a denied demand came from (the sandbox's deny log), for a stop's line."""
    unused_patterns: Callable[[], tuple[Grant, ...]] | None = None
    """After the replay: the deployer's grants of a used action whose resource pattern no
    call matched (None: cannot tell)."""
    roles_unused: Callable[[], Mapping[str, Unused]] | None = None
    """After the replay: per managed role, what its policy grants that no call of the role
    used (None: cannot tell)."""


@dataclass(frozen=True)
class Unused:
    """What a clean replay never exercised: whole actions, and patterns of used actions."""

    actions: tuple[str, ...] = ()
    patterns: tuple[Grant, ...] = ()
    roles: tuple[tuple[str, Unused], ...] = ()
    """Per managed role (by name), what its policy grants that the replay never used."""

    def __bool__(self) -> bool:
        return bool(self.actions or self.patterns or self.roles)

    def without_roles_or_patterns(self) -> Unused:
        return Unused(actions=self.actions)

    def prune(self, policy: PolicyDocument) -> PolicyDocument:
        """`policy` without these actions and patterns."""
        for action in self.actions:
            policy = policy.without_action(action)
        for grant in self.patterns:
            policy = policy.without_grant(grant)
        return policy

    def named(self, role: str = "") -> list[str]:
        """What is pruned, as the ledger and summary name it."""
        of = f" (role {role})" if role else ""
        return [
            *(f"{a}{of}" for a in self.actions),
            *(f"{g.action} on {g.resource}{of}" for g in self.patterns),
            *(n for name, u in self.roles for n in u.named(name)),
        ]


FORWARDED = frozenset(
    {"denial_found", "denial_other_principal", "grant_added", "grant_flagged", "guard_refused"}
)
"""A replay's events the run's ledger records too (with `"phase": "verify"`): what was
granted and why. The rest (attempts, exits, waits) stays in the replay's ledger."""


OpenAccount = Callable[
    [str, PolicyDocument, Mapping[str, PolicyDocument], OutputFiles],
    contextlib.AbstractContextManager[Account],
]
"""(label, deployer policy, role policies, where its policy files go) -> a fresh account."""


@dataclass(eq=False)
class VerifyPass:
    """Replays, grows if it must, and prunes the final policy (a `loop.Verifier`)."""

    steps: Sequence[Step]
    settings: LoopSettings
    events: Events
    files: OutputFiles
    open_account: OpenAccount
    rounds: int = 3
    where: str = "a fresh account"
    prune: bool = True
    echo: EventSink | None = None
    """Shows a replay's events that the run's ledger does not record (the console)."""
    replays: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.steps = tuple(self.steps)

    def __call__(
        self,
        policy: PolicyDocument,
        role_policies: Mapping[str, PolicyDocument],
        deadline: float,
    ) -> Verification:
        counted: dict[str, StepOutcome] = {}
        unused: Unused | None = None
        last_granted: list[str] = []
        for round_ in range(1, self.rounds + 1):
            self.events.emit(
                VerifyStart(actions=len(policy.actions), round=round_, where=self.where)
            )
            before = _actions(policy, role_policies)
            loop, outcomes, code, reason, unused = self._replay(
                f"verify-{round_}", policy, role_policies, self.files, deadline, may_grant=True
            )
            policy, role_policies = loop.policy, loop.role_policies
            last_granted = [a for a in _actions(policy, role_policies) if a not in before]
            if loop.granted:
                _count(counted, outcomes)
            self.events.emit(
                VerifyRoundEnd(
                    round=round_,
                    ok=code == 0,
                    attempts=loop.attempts_total,
                    granted=last_granted,
                    reason=reason,
                )
            )
            if code != 0:
                stopped = outcomes[-1].name if outcomes else "?"
                status = f"failed: replaying in {self.where}, step {stopped} failed: {reason}"
                return self._failed(status, [stopped], policy, role_policies, counted, code)
            if not loop.granted:
                break
        else:
            status = (
                f"failed: {self.rounds} replays in {self.where} each needed more grants "
                f"(the last: {', '.join(last_granted)}); raise verify.rounds"
            )
            return self._failed(status, [], policy, role_policies, counted, 1)
        pruned: tuple[str, ...] = ()
        if self.prune and unused:
            policy, role_policies, pruned = self._pruned(policy, role_policies, unused, deadline)
        self.events.emit(VerifyOk(pruned=list(pruned), rounds=round_))
        return Verification(
            True,
            "replayed",
            policy,
            role_policies,
            pruned=pruned,
            replays=self.replays,
            steps=tuple(counted.values()),
        )

    def _replay(
        self,
        label: str,
        policy: PolicyDocument,
        role_policies: Mapping[str, PolicyDocument],
        files: OutputFiles,
        deadline: float,
        may_grant: bool,
    ) -> tuple[RepairLoop, list[StepOutcome], int, str | None, Unused | None]:
        """Every step once more in a fresh account, under `policy`."""
        with self.open_account(label, policy, role_policies, files) as account:

            def forward(event: LedgerEvent) -> None:
                if may_grant and event.kind in FORWARDED:
                    self.events.emit(event)
                elif self.echo is not None:
                    self.echo(event)

            account.events.add(forward)
            loop = RepairLoop(
                self.steps,
                account.executor,
                account.deployer,
                self.settings,
                account.events,
                files,
                roles=account.roles,
                phase=VERIFY,
                may_grant=may_grant,
                origins=account.origins,
            )
            try:
                account.deployer.apply(VERIFY)
                for role in account.roles.values():  # the others once a step has made them
                    role.apply_when_present(VERIFY)
                outcomes, code, reason = loop.run_steps(deadline)
            except GrantFailed as failure:
                outcomes, code, reason = [], failure.exit_code, failure.reason
            finally:
                self.replays += loop.attempts_total
            clean = code == 0 and not loop.granted
            unused = _unused(account) if clean else None
        return loop, outcomes, code, reason, unused

    def _pruned(
        self,
        policy: PolicyDocument,
        role_policies: Mapping[str, PolicyDocument],
        unused: Unused,
        deadline: float,
    ) -> tuple[PolicyDocument, Mapping[str, PolicyDocument], tuple[str, ...]]:
        """`policy` and the role policies without `unused`, when they replay cleanly too;
        the actions pruned whole (a role's as `action (role NAME)`). Should the replay fail
        with the patterns or the roles' grants pruned as well, the deployer's unused actions
        alone are tried (the prune before patterns and roles were pruned too)."""
        smaller, smaller_roles = self._without(policy, role_policies, unused)
        code, reason = self._replay_pruned(smaller, smaller_roles, deadline)
        alone = unused.without_roles_or_patterns()
        if code != 0 and unused.actions and (unused.patterns or unused.roles):
            self._reverted(Unused(patterns=unused.patterns, roles=unused.roles), reason)
            unused = alone
            smaller, smaller_roles = self._without(policy, role_policies, unused)
            code, reason = self._replay_pruned(smaller, smaller_roles, deadline)
        if code != 0:
            self._reverted(unused, reason)
            return policy, role_policies, ()
        for action in unused.actions:
            self.events.emit(GrantPruned(action=action, why="no step used it in a clean replay"))
        for grant in unused.patterns:
            self.events.emit(
                GrantPruned(
                    action=grant.action,
                    resource=grant.resource,
                    why="no step's call matched this resource pattern in a clean replay",
                )
            )
        for name, of_role in unused.roles:
            for action in of_role.actions:
                why = f"no call of the managed role {name} used it in a clean replay"
                self.events.emit(GrantPruned(action=action, why=why, role=name))
            for grant in of_role.patterns:
                why = f"no call of the managed role {name} matched this resource pattern"
                self.events.emit(
                    GrantPruned(action=grant.action, resource=grant.resource, why=why, role=name)
                )
        role_actions = tuple(f"{a} (role {n})" for n, u in unused.roles for a in u.actions)
        return smaller, smaller_roles, (*unused.actions, *role_actions)

    @staticmethod
    def _without(
        policy: PolicyDocument, role_policies: Mapping[str, PolicyDocument], unused: Unused
    ) -> tuple[PolicyDocument, dict[str, PolicyDocument]]:
        roles = dict(role_policies)
        for name, of_role in unused.roles:
            if name in roles:
                roles[name] = of_role.prune(roles[name])
        return unused.prune(policy), roles

    def _replay_pruned(
        self, policy: PolicyDocument, role_policies: Mapping[str, PolicyDocument], deadline: float
    ) -> tuple[int, str | None]:
        pruned_files = OutputFiles(self.files.directory / "verify" / "pruned")
        pruned_files.directory.mkdir(parents=True, exist_ok=True)
        _, _, code, reason, _ = self._replay(
            "verify-pruned", policy, role_policies, pruned_files, deadline, may_grant=False
        )
        return code, reason

    def _reverted(self, unused: Unused, reason: str | None) -> None:
        named = unused.named()
        self.events.emit(
            PruneReverted(actions=named, reason=f"without {', '.join(named)}: {reason}")
        )

    def _failed(
        self,
        status: str,
        steps: list[str],
        policy: PolicyDocument,
        role_policies: Mapping[str, PolicyDocument],
        counted: dict[str, StepOutcome],
        exit_code: int,
    ) -> Verification:
        self.events.emit(VerifyFailed(reason=status, steps=steps))
        return Verification(
            False,
            status,
            policy,
            role_policies,
            replays=self.replays,
            steps=tuple(counted.values()),
            exit_code=exit_code,
        )


def _unused(account: Account) -> Unused | None:
    actions = account.unused()
    if actions is None:
        return None
    patterns = account.unused_patterns() if account.unused_patterns is not None else ()
    roles = account.roles_unused() if account.roles_unused is not None else {}
    return Unused(actions, patterns, tuple((n, u) for n, u in sorted(roles.items()) if u))


def _actions(policy: PolicyDocument, role_policies: Mapping[str, PolicyDocument]) -> list[str]:
    out = list(policy.actions)
    for name, doc in role_policies.items():
        out += [f"{a} (role {name})" for a in doc.actions]
    return out


def _count(counted: dict[str, StepOutcome], outcomes: list[StepOutcome]) -> None:
    """Add a granting round's attempts and actions to the per-step totals."""
    for s in outcomes:
        had = counted.get(s.name)
        if had is None:
            counted[s.name] = s
        else:
            actions = had.actions + tuple(a for a in s.actions if a not in had.actions)
            counted[s.name] = replace(had, attempts=had.attempts + s.attempts, actions=actions)


def verify_files(files: OutputFiles, label: str) -> Path:
    """Where one replay keeps its sandbox records."""
    path = files.directory / "verify" / label
    path.mkdir(parents=True, exist_ok=True)
    return path

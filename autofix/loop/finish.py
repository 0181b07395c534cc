"""The end of a run: take over the verify pass's policies, generalise generated names,
and sum up the steps and the verify replays into the run's outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from autofix.loop.contracts import LoopSettings, Verification
from autofix.loop.grantor import Grantor
from autofix.policy.generated import GeneratedNames, generalise_policy
from autofix.records.events import GrantGeneralised
from autofix.records.files import write_atomic
from autofix.records.ledger import Events
from autofix.records.outcome import RunOutcome, StepOutcome


def adopt(verification: Verification, deployer: Grantor, roles: Mapping[str, Grantor]) -> None:
    """Take over the verified (grown or pruned) policies from the verify pass."""
    deployer.policy = verification.policy
    for name, policy in verification.role_policies.items():
        if name in roles:
            roles[name].policy = policy
            write_atomic(roles[name].policy_file, policy.dumps())


def generalise_generated_names(
    deployer: Grantor, roles: Sequence[Grantor], names: GeneratedNames, events: Events
) -> None:
    """No grant keeps a physical name the next deploy regenerates (final check)."""
    for grantor in (deployer, *roles):
        grantor.policy, changes = generalise_policy(grantor.policy, names)
        if changes and grantor is not deployer:
            write_atomic(grantor.policy_file, grantor.policy.dumps())
        for change in changes:
            events.emit(
                GrantGeneralised(
                    action=change.before.action,
                    resource=change.before.resource,
                    now=change.after.resource,
                    why="generated name(s) of "
                    + ", ".join(n.describe() for n in change.names)
                    + ": the next deploy makes a new random part",
                )
            )


def run_outcome(
    *,
    outcomes: Sequence[StepOutcome],
    step_count: int,
    attempts: int,
    seconds: float,
    exit_code: int,
    reason: str | None,
    verification: Verification | None,
    unverified: str,
    settings: LoopSettings,
    grantors: Sequence[Grantor],
    strategy: str,
) -> RunOutcome:
    """The run's outcome: discovery's steps and attempts plus those of the verify pass."""
    steps = tuple(outcomes)
    verified, status, replays = False, unverified, 0
    pruned: tuple[str, ...] = ()
    if verification is not None:
        verified, status = verification.verified, verification.status
        pruned, replays = verification.pruned, verification.replays
        steps = merge_verify_steps(steps, verification.steps, pruned)
    elif exit_code != 0:
        status = "not reached (a step failed)"
    attempts_total = attempts + sum(
        s.attempts for s in (verification.steps if verification else ())
    )
    flags = [f for g in grantors for f in g.flags.values()]
    return RunOutcome(
        ok=exit_code == 0 and len(outcomes) == step_count,
        exit_code=exit_code,
        steps=steps,
        attempts_total=attempts_total,
        seconds=seconds,
        reason=reason,
        account_id=settings.account_id,
        region=settings.region,
        flags=tuple(
            {
                "action": f.action,
                "resource": f.resource,
                "risk": f.risk,
                "needed_for": f.needed_for,
            }
            for f in flags
        ),
        verified=verified,
        verification=status,
        pruned=pruned,
        verify_replays=replays,
        strategy=strategy,
    )


def merge_verify_steps(
    steps: tuple[StepOutcome, ...], verify: tuple[StepOutcome, ...], pruned: tuple[str, ...]
) -> tuple[StepOutcome, ...]:
    """Discovery's steps plus the attempts and actions of verify replays that had to grant."""
    extra = {s.name: s for s in verify}
    gone = {a.lower() for a in pruned}
    merged = []
    for s in steps:
        more = extra.get(s.name)
        actions = [a for a in s.actions if a.lower() not in gone]
        attempts = s.attempts
        if more is not None:
            attempts += more.attempts
            actions += [a for a in more.actions if a not in actions and a.lower() not in gone]
        merged.append(replace(s, attempts=attempts, actions=tuple(actions)))
    return tuple(merged)

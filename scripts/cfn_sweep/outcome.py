"""One record per swept type, read from what `autofix run` left (summary, ledger, policy).

- converged: the run exited 0; verified: summary.json `verified`; attempts: the run's.
- tier: summary.json `resources` (per resource) when the run writes it, else `fallback_tier`.
- star_demands: every demand on `*` autofix refused: the ledger's guard refusals on `*`,
  and denials on `*` it never granted on `*` (it may have granted the action on a scoped
  resource, which the demand on `*` does not match).
- star_grants: every action policy.json grants on `*`. In a shared stack an action is
  put on the types whose provider schema lists it, else on those with a resource in the
  stack whose schema does (its role, its VPC), else on every type of the stack: nothing
  exonerates them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from scripts.cfn_sweep import autofix_api, guard_allow
from scripts.cfn_sweep.stack import RunFiles
from scripts.cfn_sweep.template import Swept

SCHEMA_OPERATIONS = ("create", "update", "delete", "tag")


@dataclass(frozen=True)
class TypeRecord:
    type: str
    converged: bool
    verified: bool
    attempts: int
    tier: str
    star_demands: list[str]
    star_grants: list[str]
    reason: str | None
    stage: str  # group | alone | admin (failed as administrator; autofix not run)
    stack: str
    stack_types: int
    seconds: float
    update_property: str | None = None
    actions: int = 0
    helpers: list[str] = field(default_factory=list)
    admin: str | None = None  # why the administrator fails the same steps, when it does
    denied: list[str] = field(default_factory=list)  # a failed run's last denials
    guard_allow: list[str] = field(default_factory=list)  # what its stack's user must allow

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def fallback_tier(resource_type: str, unverified_types: Iterable[str]) -> str:
    """The tier until summary.json lists `resources` (delete this when it always does)."""
    if resource_type in set(unverified_types):
        return "unverified"
    return "checked" if resource_type in autofix_api.rule_types() else "schema-bound"


def tier_of(summary: dict[str, Any], swept: Swept) -> str:
    for resource in summary.get("resources") or []:
        if resource.get("logical_id") == swept.logical_id and resource.get("type") == swept.type:
            return str(resource.get("tier") or "unverified")
    unverified = [str(u.get("type")) for u in summary.get("unverified") or []]
    return fallback_tier(swept.type, unverified)


def star_demands(ledger: Sequence[dict[str, Any]]) -> list[str]:
    """Actions demanded on `*` that autofix refused, or granted only on something else."""
    granted = {
        str(e.get("action"))
        for e in ledger
        if e.get("event") == "grant_added" and e.get("resource") == "*"
    }
    found: set[str] = set()
    for event in ledger:
        if event.get("event") == "guard_refused":
            found.update(
                str(r.get("action"))
                for r in event.get("refusals") or []
                if r.get("resource") == "*"
            )
        elif event.get("event") == "denial_found" and event.get("resource") == "*":
            action = event.get("action")
            if action and action not in granted:
                found.add(str(action))
    return sorted(found)


def star_grants(policy: dict[str, Any]) -> list[str]:
    """Every action the policy allows on the resource `*`."""
    found: set[str] = set()
    statements = policy.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        resources = statement.get("Resource")
        listed = resources if isinstance(resources, list) else [resources]
        if statement.get("Effect") == "Allow" and "*" in listed:
            actions = statement.get("Action")
            found.update(actions if isinstance(actions, list) else [str(actions)])
    return sorted(found)


def _schema_actions(resource_type: str) -> set[str]:
    entry = autofix_api.type_entry(resource_type)
    return {a.lower() for op in SCHEMA_OPERATIONS for a in entry.get(op) or []}


def attribute(
    actions: Sequence[str], swept: Sequence[Swept], helpers: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Each swept type's share of `actions`: those its schema lists, else those the schema
    of a resource it needs (`helpers`: logical id -> types) lists; the rest to all."""
    shares: dict[str, list[str]] = {s.type: [] for s in swept}
    for action in actions:
        lower = action.lower()
        owners = [s.type for s in swept if lower in _schema_actions(s.type)] or [
            s.type
            for s in swept
            if any(lower in _schema_actions(h) for h in helpers.get(s.logical_id, []))
        ]
        for owner in owners or [s.type for s in swept]:
            shares[owner].append(action)
    return shares


def last_denials(ledger: Sequence[dict[str, Any]], limit: int = 6) -> list[str]:
    """`action on resource (source)` of the last attempt that found denials."""
    denials = [e for e in ledger if e.get("event") == "denial_found"]
    if not denials:
        return []
    last = (denials[-1].get("phase"), denials[-1].get("step"), denials[-1].get("attempt"))
    found = [
        f"{e.get('action')} on {e.get('resource')} ({e.get('source')})"
        for e in denials
        if (e.get("phase"), e.get("step"), e.get("attempt")) == last
    ]
    return list(dict.fromkeys(found))[:limit]


def _policy_actions(policy: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    statements = policy.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action")
        found.update(actions if isinstance(actions, list) else [str(actions)])
    return found


def reason_of(run: RunFiles) -> str | None:
    if run.exit_code == 0:
        return None
    reason = run.summary.get("reason")
    if reason:
        return str(reason)
    lines = [line for line in run.output.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit {run.exit_code}"


def records(
    run: RunFiles,
    swept: Sequence[Swept],
    stack: str,
    stage: str,
    helpers: dict[str, list[str]],
) -> list[TypeRecord]:
    """The records of every swept type of one run."""
    summary = run.summary
    grants = attribute(star_grants(run.policy), swept, helpers)
    demands = attribute(star_demands(run.ledger), swept, helpers)
    actions = len(_policy_actions(run.policy))
    stack_types = [s.type for s in swept] + [t for ts in helpers.values() for t in ts]
    allow = guard_allow.for_types(stack_types)
    return [
        TypeRecord(
            type=item.type,
            converged=run.exit_code == 0,
            verified=bool(summary.get("verified")),
            attempts=int(summary.get("attempts_total") or 0),
            tier=tier_of(summary, item),
            star_demands=demands[item.type],
            star_grants=grants[item.type],
            reason=reason_of(run),
            stage=stage,
            stack=stack,
            stack_types=len(swept),
            seconds=run.seconds,
            update_property=item.update_property,
            actions=actions,
            helpers=helpers.get(item.logical_id, []),
            denied=[] if run.exit_code == 0 else last_denials(run.ledger),
            guard_allow=allow,
        )
        for item in swept
    ]

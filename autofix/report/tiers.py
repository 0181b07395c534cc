"""How the sandbox checked a run's resources, in words: for the console and every report.

`checked` (a property-aware rule named the calls for the properties used), `schema-bound`
(the provider schema's whole handler list was demanded, because the template could not
narrow it: the actions from that upper bound are named) or `unverified` (not checked).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from autofix.records.outcome import TIERS, ResourceTier, Unverified

TIER_WORDS = {
    "checked": "checked by a property-aware rule",
    "schema-bound": "schema-bound: the provider schema's whole handler list was demanded",
    "unverified": "unverified: not checked",
}
"""Each tier in plain words."""

SHOWN_ACTIONS = 4
"""Bound actions named on a console line before `+N more`."""


@dataclass(frozen=True)
class TypeLine:
    """The resources of one type that share a tier (each counted once, at its weakest)."""

    type: str
    tier: str
    resources: tuple[ResourceTier, ...]
    bound_actions: tuple[str, ...]
    whys: tuple[str, ...]


def per_type(resources: Iterable[ResourceTier]) -> list[TypeLine]:
    """One line per type and tier: weakest tiers first, then by type."""
    weakest: dict[tuple[str, str, str], ResourceTier] = {}
    bound: dict[tuple[str, str, str], list[str]] = {}
    for r in resources:
        key = (r.stack, r.logical_id, r.type)
        had = weakest.get(key)
        if had is None or _rank(r.tier) > _rank(had.tier):
            weakest[key] = r
        bound.setdefault(key, []).extend(r.bound_actions)
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for key, r in weakest.items():
        groups.setdefault((r.type, r.tier), []).append(key)
    lines = []
    for (rtype, tier), keys in groups.items():
        actions = [a for k in keys for a in bound[k]] if tier == "schema-bound" else []
        lines.append(
            TypeLine(
                rtype,
                tier,
                tuple(weakest[k] for k in keys),
                tuple(sorted(set(actions))),
                tuple(dict.fromkeys(weakest[k].why for k in keys if weakest[k].why)),
            )
        )
    return sorted(lines, key=lambda t: (-_rank(t.tier), t.type))


def from_summary(
    summary: dict[str, Any] | None, unverified_events: Iterable[Unverified] = ()
) -> tuple[tuple[ResourceTier, ...], tuple[ResourceTier, ...]]:
    """(discovery's, the verify pass's) resources of a summary.json.

    An older summary has only `unverified` (read as that tier); a run with no summary has
    only its ledger's `resource_unverified` events (`unverified_events`). Malformed
    entries are skipped.
    """
    if summary is None:
        return as_resources(unverified_events), ()
    if isinstance(summary.get("resources"), list):
        return _entries(summary["resources"]), _entries(summary.get("verify_resources"))
    old = summary.get("unverified")
    legacy = (
        [{**e, "tier": "unverified"} for e in old if isinstance(e, dict)]
        if isinstance(old, list)
        else []
    )
    return _entries(legacy), ()


def _entries(value: Any) -> tuple[ResourceTier, ...]:
    found = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("type", "logical_id", "tier")
        ):
            continue
        found.append(
            ResourceTier(
                type=entry["type"],
                logical_id=entry["logical_id"],
                stack=_text(entry.get("stack")),
                step=_text(entry.get("step")),
                tier=entry["tier"],
                bound_actions=_texts(entry.get("bound_actions")),
                why=_text(entry.get("why")),
                operations=_texts(entry.get("operations")),
            )
        )
    return tuple(found)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def as_resources(unverified: Iterable[Unverified]) -> tuple[ResourceTier, ...]:
    """An older record's `unverified` entries as resources of that tier."""
    return tuple(
        ResourceTier(u.type, u.logical_id, u.stack, u.step, "unverified", why=u.why)
        for u in unverified
    )


def console_line(line: TypeLine) -> str:
    """`AWS::KMS::Key (1): schema-bound: ... (kms:CreateKey, ... +2 more)`, one line."""
    head = f"{line.type} ({len(line.resources)}): {TIER_WORDS.get(line.tier, line.tier)}"
    if line.tier == "schema-bound" and line.bound_actions:
        shown = ", ".join(line.bound_actions[:SHOWN_ACTIONS])
        more = len(line.bound_actions) - SHOWN_ACTIONS
        return f"{head} ({shown}{f', +{more} more' if more > 0 else ''})"
    if line.tier == "unverified":
        where = ", ".join(f"{r.logical_id} in {r.step or '?'}" for r in line.resources)
        why = "; ".join(line.whys)
        return f"{head} ({where}){': ' + why if why else ''}"
    return head


def counts(resources: Iterable[ResourceTier]) -> dict[str, int]:
    """Resources per tier (each at its weakest), every tier present."""
    found = {tier: 0 for tier in TIERS}
    for line in per_type(resources):
        found[line.tier] = found.get(line.tier, 0) + len(line.resources)
    return found


def _rank(tier: str) -> int:
    """Strength order: a tier this version does not know counts as the weakest."""
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


INTRO = (
    "How the sandbox checked the permissions of each resource it provisioned: checked (a "
    "property-aware rule named the calls for the properties used), schema-bound (the "
    "provider schema's whole handler list was demanded, because the template could not "
    "narrow it; the actions from that upper bound are named) or unverified (not checked)."
)
NONE_RECORDED = "No resource was recorded (a real account, or a run from before tiers)."


def detail(resource: ResourceTier) -> str:
    """What a report's row says beside the tier: the bound actions, or why."""
    if resource.tier == "schema-bound" and resource.bound_actions:
        return ", ".join(resource.bound_actions)
    return resource.why if resource.tier != "checked" else ""


def summary_text(resources: Iterable[ResourceTier]) -> str:
    """`3 checked · 1 schema-bound · 0 unverified` (each resource at its weakest)."""
    return " · ".join(f"{n} {tier}" for tier, n in counts(resources).items())

"""Which types the sweep sweeps, and the fixed sample `make test` runs.

Swept: every type the embedded sandbox can create, except those cfn-lint's pinned
schemas mark as from a shut-down service (`lifecycle.status: shutdown`, cfn-lint E3710):
CloudFormation can no longer create them, so a sweep of them proves nothing.
"""

from __future__ import annotations

from functools import cache

from scripts.cfn_sweep import autofix_api
from scripts.cfn_sweep.schemas import type_info

SAMPLE_PER_TIER = 12
KNOWN_GOOD = "AWS::SQS::Queue"
"""A type that converges and verifies today (the corpus's services deploy queues): the
sample always holds it, and its test checks that it converges."""


def shut_down(resource_type: str) -> bool:
    """Is the type from a service AWS has shut down (per the pinned cfn-lint schema)?"""
    try:
        lifecycle = type_info(resource_type).schema.get("lifecycle") or {}
    except KeyError:
        return False
    return isinstance(lifecycle, dict) and lifecycle.get("status") == "shutdown"


@cache
def swept_types() -> tuple[str, ...]:
    """The types the sweep sweeps, sorted."""
    return tuple(sorted(t for t in autofix_api.creatable_types() if not shut_down(t)))


def excluded_types() -> tuple[str, ...]:
    """Types the sandbox can create that the sweep leaves out (shut-down services)."""
    return tuple(sorted(t for t in autofix_api.creatable_types() if shut_down(t)))


def expected_tier(resource_type: str) -> str:
    """The tier the sandbox's data says a type gets: `checked` (property-aware rules),
    `schema-bound` (the provider schema's handler lists), `unverified` (neither)."""
    if resource_type in autofix_api.rule_types():
        return "checked"
    return "schema-bound" if autofix_api.has_handlers(resource_type) else "unverified"


def sample(per_tier: int = SAMPLE_PER_TIER) -> tuple[str, ...]:
    """A fixed sample by construction: per tier, `per_tier` types evenly spaced through
    the sorted list of that tier's types (so every service family is drawn from), and
    KNOWN_GOOD."""
    chosen: list[str] = []
    for tier in ("checked", "schema-bound", "unverified"):
        members = [t for t in swept_types() if expected_tier(t) == tier]
        if not members:
            continue
        step = max(len(members) / per_tier, 1.0)
        picks = {members[min(int(i * step), len(members) - 1)] for i in range(per_tier)}
        chosen.extend(sorted(picks))
    if KNOWN_GOOD not in chosen:
        chosen.append(KNOWN_GOOD)
    return tuple(chosen)

"""After a successful run: replay the final policy in a fresh sandbox and drop what no step used.

Discovery retries a step after every grant, so a grant can be needed only by a
retry's path (a function that already exists is updated instead of created). A
clean replay on the embedded sandbox records every action it allowed; actions
nobody used are removed, and the smaller policy is replayed once more to prove it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from autofix.check import CheckOutcome
from autofix.ledger import Events
from autofix.policy.document import PolicyDocument

Replay = Callable[[PolicyDocument, str], CheckOutcome]
"""(policy, label) -> the outcome of running every step once under exactly that policy."""


@dataclass(frozen=True)
class PruneResult:
    policy: PolicyDocument
    verified: bool
    pruned: tuple[str, ...] = ()
    reason: str = ""


def prune(policy: PolicyDocument, replay: Replay, events: Events) -> PruneResult:
    """The policy without the actions a clean replay never used, proven by a second replay."""
    events.emit("verify_start", actions=len(policy.actions))
    first = replay(policy, "verify")
    if not first.ok:
        reason = "the final policy did not replay cleanly in a fresh sandbox"
        events.emit("verify_failed", reason=reason, steps=[s.name for s in first.steps if not s.ok])
        return PruneResult(policy, False, reason=reason)
    unused = first.unused or ()
    if not unused:
        events.emit("verify_ok", pruned=[])
        return PruneResult(policy, True)
    smaller = policy
    for action in unused:
        smaller = smaller.without_action(action)
    second = replay(smaller, "verify-pruned")
    if not second.ok:
        reason = f"without {', '.join(unused)} a step failed: kept them"
        events.emit("prune_reverted", actions=list(unused), reason=reason)
        return PruneResult(policy, True, reason=reason)
    for action in unused:
        events.emit("grant_pruned", action=action, why="no step used it in a clean replay")
    events.emit("verify_ok", pruned=list(unused))
    return PruneResult(smaller, True, tuple(unused))

"""The fixture corpus of real-world message forms, and how to score the parser on it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autofix.denials.model import Denial

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "denials" / "cases.jsonl"


@dataclass(frozen=True)
class Case:
    """One fixture: text, where it came from, and the denials it holds."""

    id: str
    source: str
    text: str
    expected: list[dict[str, Any]]


def load_cases() -> list[Case]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [Case(**json.loads(line)) for line in lines if line.strip()]


def action_counts(denials: list[Denial]) -> Counter[str | None]:
    return Counter(d.action for d in denials)


@dataclass(frozen=True)
class Score:
    true_positive: int
    false_positive: int
    false_negative: int

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0


def score(expected: list[dict[str, Any]], found: list[Denial]) -> Score:
    """Action-level score of one case: multisets of actions (null counts as a label)."""
    want = Counter(e["action"] for e in expected)
    got = action_counts(found)
    tp = sum((want & got).values())
    return Score(tp, sum(got.values()) - tp, sum(want.values()) - tp)


def field_mismatches(expected: list[dict[str, Any]], found: list[Denial]) -> list[str]:
    """Fields the fixture pins down that the parser got wrong (matched by action, in order)."""
    problems: list[str] = []
    remaining = list(found)
    for want in expected:
        match = next((d for d in remaining if d.action == want["action"]), None)
        if match is None:
            problems.append(f"missing {want['action']}")
            continue
        remaining.remove(match)
        for name in ("resource", "principal", "deny", "operation"):
            if name in want and getattr(match, name if name != "deny" else "deny") != want[name]:
                actual = getattr(match, name)
                actual = actual.value if name == "deny" else actual
                if actual != want[name]:
                    problems.append(f"{want['action']}.{name}: {actual!r} != {want[name]!r}")
        if "encoded" in want and (match.encoded_message is not None) != want["encoded"]:
            problems.append(f"{want['action']}.encoded: {match.encoded_message!r}")
        if "known" in want and match.action_known != want["known"]:
            problems.append(f"{want['action']}.known: {match.action_known}")
    return problems


NOT_FIXABLE_KINDS = frozenset(
    {"explicit-identity", "scp", "boundary", "session", "resource-policy"}
)


def _matched(
    expected: list[dict[str, Any]], found: list[Denial]
) -> list[tuple[dict[str, Any], Denial]]:
    remaining = list(found)
    pairs: list[tuple[dict[str, Any], Denial]] = []
    for want in expected:
        match = next((d for d in remaining if d.action == want["action"]), None)
        if match is not None:
            remaining.remove(match)
            pairs.append((want, match))
    return pairs


def deny_kinds(expected: list[dict[str, Any]], found: list[Denial]) -> tuple[int, int]:
    """(right, pinned): expected denials that pin a deny kind, and how many were read right.

    A pinned denial the parser missed counts as wrong.
    """
    pinned = [e for e in expected if "deny" in e]
    right = sum(1 for want, got in _matched(pinned, found) if got.deny.value == want["deny"])
    return right, len(pinned)


def fixable_but_denied_explicitly(expected: list[dict[str, Any]], found: list[Denial]) -> list[str]:
    """Actions the fixture says no identity-policy grant can fix, that the parser calls fixable."""
    return [
        str(want["action"])
        for want, got in _matched(expected, found)
        if (want.get("deny") in NOT_FIXABLE_KINDS or want.get("deny") == "unknown") and got.fixable
    ]

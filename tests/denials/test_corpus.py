"""The parser against the fixture corpus of real-world message forms."""

from __future__ import annotations

import pytest

from autofix.denials.parse import parse_denials
from tests.denials.corpus import (
    Case,
    Score,
    deny_kinds,
    field_mismatches,
    fixable_but_denied_explicitly,
    load_cases,
    score,
)

CASES = load_cases()
MIN_SCORE = 0.97
MIN_DENY_KIND = 0.95


def _total(cases: list[Case]) -> Score:
    tp = fp = fn = 0
    for case in cases:
        result = score(case.expected, parse_denials(case.text))
        tp, fp, fn = (
            tp + result.true_positive,
            fp + result.false_positive,
            fn + result.false_negative,
        )
    return Score(tp, fp, fn)


def test_corpus_is_large_and_sourced() -> None:
    assert len(CASES) >= 230
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.source.strip() for case in CASES)
    assert sum(1 for case in CASES if not case.expected) >= 30


def test_action_precision_and_recall_over_whole_corpus() -> None:
    total = _total(CASES)
    assert total.precision >= MIN_SCORE, total
    assert total.recall >= MIN_SCORE, total


def test_deny_kind_accuracy_over_whole_corpus() -> None:
    right = pinned = 0
    for case in CASES:
        r, p = deny_kinds(case.expected, parse_denials(case.text))
        right, pinned = right + r, pinned + p
    assert pinned >= 70
    assert right / pinned >= MIN_DENY_KIND, (right, pinned)


def test_no_explicit_deny_is_ever_fixable() -> None:
    wrong = {
        case.id: bad
        for case in CASES
        if (bad := fixable_but_denied_explicitly(case.expected, parse_denials(case.text)))
    }
    assert wrong == {}
    explicit = [
        c for c in CASES if any(e.get("deny", "implicit") != "implicit" for e in c.expected)
    ]
    assert len(explicit) >= 40


@pytest.mark.parametrize("case", [c for c in CASES if not c.expected], ids=lambda c: c.id)
def test_look_alikes_give_no_denial(case: Case) -> None:
    assert parse_denials(case.text) == []


@pytest.mark.parametrize("case", [c for c in CASES if c.expected], ids=lambda c: c.id)
def test_fields_pinned_by_fixture(case: Case) -> None:
    assert field_mismatches(case.expected, parse_denials(case.text)) == []

"""`make bench-corpus` (benchmarks/corpus.py): how it checks a run against expected.toml."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "benchmarks" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SUMMARY = {"region": "us-east-1", "account_id": "123456789012"}


def test_an_empty_policy_misses_every_key_action_of_the_service() -> None:
    bench = _bench()
    problems = bench.expected_problems("streams", {**SUMMARY, "unverified": []}, {})
    assert problems and all(p.startswith("missing ") for p in problems)
    assert any("kinesis:" in p for p in problems), problems


def test_an_unverified_resource_the_service_does_not_allow_is_a_problem() -> None:
    bench = _bench()
    policy = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    stray = {"type": "AWS::Foo::Bar", "logical_id": "Stray", "why": "x"}
    assert bench.expected_problems("streams", {**SUMMARY, "unverified": []}, policy) == []
    problems = bench.expected_problems("streams", {**SUMMARY, "unverified": [stray]}, policy)
    assert problems == ["unverified, not allowed: AWS::Foo::Bar Stray"]
    assert bench.policy_actions(policy) == {"*"}

"""Compare two runs (per step: actions added and removed) or two policies (actions and
action/resource pairs added and removed). Equal means nothing was added or removed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autofix.errors import ConfigError
from autofix.report.load import POLICY, load_run, read_json_file
from autofix.report.model import RunRecord

Pair = tuple[str, str]


@dataclass(frozen=True)
class StepDiff:
    """One step in either run; `status_a`/`status_b` are None where the step is absent."""

    name: str
    status_a: str | None
    status_b: str | None
    added: tuple[str, ...]
    removed: tuple[str, ...]
    covered: tuple[str, ...] = ()
    """Found in one run but not re-found in the other because its start policy held them."""

    @property
    def equal(self) -> bool:
        return not self.added and not self.removed and self.status_a == self.status_b


@dataclass(frozen=True)
class PolicyDiff:
    actions_added: tuple[str, ...]
    actions_removed: tuple[str, ...]
    pairs_added: tuple[Pair, ...]
    pairs_removed: tuple[Pair, ...]

    @property
    def equal(self) -> bool:
        return not (
            self.actions_added or self.actions_removed or self.pairs_added or self.pairs_removed
        )


@dataclass(frozen=True)
class Comparison:
    kind: str
    """runs or policies."""
    a: str
    b: str
    steps: tuple[StepDiff, ...] = ()
    policy: PolicyDiff | None = None

    @property
    def equal(self) -> bool:
        return all(s.equal for s in self.steps) and (self.policy is None or self.policy.equal)


def compare(a: Path, b: Path) -> Comparison:
    """Two output directories as runs, otherwise two policy files (a directory's policy.json)."""
    for path in (a, b):
        if not path.exists():
            raise ConfigError(f"{path}: no such file or directory")
    if a.is_dir() and b.is_dir():
        return compare_runs(load_run(a), load_run(b))
    return Comparison(
        "policies", str(a), str(b), policy=compare_policies(read_policy(a), read_policy(b))
    )


def compare_runs(a: RunRecord, b: RunRecord) -> Comparison:
    """Per step, actions first required in one run and not the other.

    A run started from a saved policy (`run --from`) re-finds only what that policy lacks, so
    an action missing from one run but held by its start policy counts as covered, not removed.
    """
    steps_a = {s.name: s for s in a.steps}
    steps_b = {s.name: s for s in b.steps}
    diffs = []
    for name in dict.fromkeys([*steps_a, *steps_b]):
        step_a, step_b = steps_a.get(name), steps_b.get(name)
        actions_a = [x.action for x in step_a.actions] if step_a else []
        actions_b = [x.action for x in step_b.actions] if step_b else []
        added = _minus(actions_b, actions_a)
        removed = _minus(actions_a, actions_b)
        covered = (*_within(removed, b.start_actions), *_within(added, a.start_actions))
        diffs.append(
            StepDiff(
                name,
                step_a.status if step_a else None,
                step_b.status if step_b else None,
                _minus(added, a.start_actions),
                _minus(removed, b.start_actions),
                covered,
            )
        )
    policy = None
    if a.policy is not None and b.policy is not None:
        policy = compare_policies(
            flatten(a.policy, str(a.directory / POLICY)),
            flatten(b.policy, str(b.directory / POLICY)),
        )
    return Comparison("runs", str(a.directory), str(b.directory), tuple(diffs), policy)


# -- policies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlatPolicy:
    """A policy as allowed actions and (action, resource) pairs; Deny and Not* are marked."""

    actions: tuple[str, ...]
    pairs: tuple[Pair, ...]


def read_policy(path: Path) -> FlatPolicy:
    if path.is_dir():
        if not (path / POLICY).is_file():
            raise ConfigError(f"{path}: no {POLICY} in this directory")
        path = path / POLICY
    return flatten(read_json_file(path, "the policy"), str(path))


def flatten(document: Any, origin: str) -> FlatPolicy:
    """Allowed actions and every (action, resource) pair of an IAM policy document."""
    if not isinstance(document, dict) or "Statement" not in document:
        raise ConfigError(f"{origin}: not an IAM policy document (no Statement)")
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        raise ConfigError(f"{origin}: Statement must be an object or a list")
    actions: list[str] = []
    pairs: list[Pair] = []
    for number, statement in enumerate(statements, start=1):
        if not isinstance(statement, dict):
            raise ConfigError(f"{origin}: statement {number} is not an object")
        deny = statement.get("Effect") == "Deny"
        negated = "Action" not in statement and "NotAction" in statement
        names = _strings(statement.get("NotAction" if negated else "Action"), origin, number)
        resources = _resources(statement, origin, number)
        for name in names:
            label = ("deny " if deny else "") + ("not " if negated else "") + name
            if not deny and not negated:
                actions.append(name)
            pairs += [(label, resource) for resource in resources]
    return FlatPolicy(tuple(dict.fromkeys(actions)), tuple(dict.fromkeys(pairs)))


def compare_policies(a: FlatPolicy, b: FlatPolicy) -> PolicyDiff:
    return PolicyDiff(
        _minus(b.actions, a.actions),
        _minus(a.actions, b.actions),
        _minus_pairs(b.pairs, a.pairs),
        _minus_pairs(a.pairs, b.pairs),
    )


def _resources(statement: dict[str, Any], origin: str, number: int) -> list[str]:
    negated = "Resource" not in statement and "NotResource" in statement
    raw = statement.get("NotResource" if negated else "Resource", "*")
    resources = [("not " if negated else "") + r for r in _strings(raw, origin, number)]
    if "Condition" in statement:
        condition = json.dumps(statement["Condition"], sort_keys=True)
        resources = [f"{r} if {condition}" for r in resources]
    return resources


def _strings(value: Any, origin: str, number: int) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{origin}: statement {number}: Action/Resource must be strings")


def _minus(
    left: list[str] | tuple[str, ...], right: list[str] | tuple[str, ...]
) -> tuple[str, ...]:
    """Items of `left` not in `right`, compared as IAM does (actions ignore case)."""
    have = {x.lower() for x in right}
    return tuple(x for x in dict.fromkeys(left) if x.lower() not in have)


def _within(items: tuple[str, ...], pool: tuple[str, ...]) -> tuple[str, ...]:
    have = {x.lower() for x in pool}
    return tuple(x for x in items if x.lower() in have)


def _minus_pairs(left: tuple[Pair, ...], right: tuple[Pair, ...]) -> tuple[Pair, ...]:
    have = {(a.lower(), r) for a, r in right}
    return tuple(p for p in left if (p[0].lower(), p[1]) not in have)


# -- output ------------------------------------------------------------------------------


def render_text(comparison: Comparison) -> str:
    """Unified-diff-like lines: `+` only in B, `-` only in A."""
    out = [f"--- {comparison.a}", f"+++ {comparison.b}"]
    if comparison.equal:
        what = (
            "every step required the same actions"
            if comparison.kind == "runs"
            else ("the same actions on the same resources")
        )
        return "\n".join([*out, f"no difference: {what}"]) + "\n"
    for step in comparison.steps:
        if step.equal:
            continue
        if step.status_a is None:
            where = f"only in B ({step.status_b})"
        elif step.status_b is None:
            where = f"only in A ({step.status_a})"
        elif step.status_a != step.status_b:
            where = f"{step.status_a} -> {step.status_b}"
        else:
            where = step.status_a
        out.append(f"step {step.name}: {where}")
        out += [f"  + {a}" for a in step.added] + [f"  - {a}" for a in step.removed]
        if step.covered:
            out.append(f"  ({len(step.covered)} more held by the other run's start policy)")
    policy = comparison.policy
    if policy is not None and not policy.equal:
        out.append("policy:")
        out += [f"  + {a}" for a in policy.actions_added]
        out += [f"  - {a}" for a in policy.actions_removed]
        moved = {a.lower() for a in policy.actions_added + policy.actions_removed}
        out += [f"  + {a} on {r}" for a, r in policy.pairs_added if a.lower() not in moved]
        out += [f"  - {a} on {r}" for a, r in policy.pairs_removed if a.lower() not in moved]
    return "\n".join(out) + "\n"


def comparison_to_json(comparison: Comparison) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": comparison.kind,
        "a": comparison.a,
        "b": comparison.b,
        "equal": comparison.equal,
    }
    if comparison.kind == "runs":
        data["steps"] = [
            {
                "name": s.name,
                "status_a": s.status_a,
                "status_b": s.status_b,
                "added": list(s.added),
                "removed": list(s.removed),
                "covered_by_start_policy": list(s.covered),
            }
            for s in comparison.steps
        ]
    policy = comparison.policy
    data["policy"] = (
        None
        if policy is None
        else {
            "actions": {
                "added": list(policy.actions_added),
                "removed": list(policy.actions_removed),
            },
            "pairs": {
                "added": [{"action": a, "resource": r} for a, r in policy.pairs_added],
                "removed": [{"action": a, "resource": r} for a, r in policy.pairs_removed],
            },
        }
    )
    return data

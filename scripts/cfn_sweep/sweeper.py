"""Sweep many types: shared stacks, each failure pinned on its own type.

A stack of several types runs under `autofix run` first. When that fails, the types whose
handler calls were denied what the run's reason names (the sandbox's deny log says which
type each call was for) leave the stack; when the reason names no action, the same steps
run as the sandbox's administrator (admin.check), and a resource that fails there takes
its type, and every type whose resource refers to it, out. The rest run again. Whatever
is left is swept alone, so every record of a failure comes from a stack of one type, and
every record of success from a run that converged with the type in it. (The
administrator's run is only the explanation of a failure: a stack that converges needs
none, which is most of them.)
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scripts.cfn_sweep import admin, overrides, stack
from scripts.cfn_sweep.outcome import TypeRecord, attribute, fallback_tier, records
from scripts.cfn_sweep.template import Templates, build

ROUNDS = 8
"""Failed runs of one shared stack before what is left runs alone (each removes a culprit:
one more run of the stack costs less than a run per type alone)."""
SPLIT_FROM = 4
"""A stack this large whose failure names no culprit (not even as administrator: a timeout,
say) is split in halves, each swept as a stack, rather than every type run alone."""
CULPRITS = "culprits.txt"
_SUB = re.compile(r"\$\{([A-Za-z0-9]+)")
_ACTION = re.compile(r"\b([a-z0-9-]+:[A-Z][A-Za-z0-9*]+)")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class Sweeper:
    workdir: Path
    log: Callable[[str], None] = _say
    deadline: float | None = None
    """time.monotonic() after which no new stack starts (a budget); its types are skipped."""
    on_records: Callable[[list[TypeRecord]], None] | None = None
    """Called (one at a time) with each group's records as they come: a sweep stopped
    half-way keeps what it found."""
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sweep(
        self,
        types: Sequence[str],
        per_stack: int,
        workers: int,
        alone: Collection[str] = (),
    ) -> list[TypeRecord]:
        """Records of `types` (in their order), `per_stack` types to a stack, `workers` at
        once; the types in `alone` (known to fail: an earlier sitting's failures) each in
        a stack of its own from the start, sparing the shared stacks their failed rounds."""
        shared = [t for t in types if t not in alone]
        groups = [[t] for t in types if t in alone] + [
            list(shared[i : i + per_stack]) for i in range(0, len(shared), per_stack)
        ]
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            found = [r for rs in pool.map(self._safe_group, groups) for r in rs]
        order = {t: i for i, t in enumerate(types)}
        return sorted(found, key=lambda r: order.get(r.type, len(order)))

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)

    def _next(self) -> tuple[Path, str]:
        """A new stack's directory (made here: one an earlier sitting or another shard left
        in the same work directory is never reused) and its stack name."""
        while True:
            with self._lock:
                number = next(iter(self._ids))
            directory = self.workdir / f"{number:04d}"
            try:
                directory.mkdir()
            except FileExistsError:
                continue
            return directory, f"sweep-{number:04d}"

    def _safe_group(self, types: Sequence[str]) -> list[TypeRecord]:
        """group(), its records kept as they come (records.jsonl in the work directory);
        an error of the sweep itself is recorded on each type, not raised."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            return []
        try:
            found = self.group(types)
        except Exception as exc:  # one stack's trouble must not end the sweep
            found = [_broken(t, f"sweep error: {type(exc).__name__}: {exc}") for t in types]
        with self._lock:
            with (self.workdir / "records.jsonl").open("a", encoding="utf-8") as out:
                for record in found:
                    out.write(json.dumps(record.as_json()) + "\n")
            if self.on_records is not None:
                self.on_records(found)
        return found

    def group(self, types: Sequence[str]) -> list[TypeRecord]:
        """Records of `types`: in one stack while it converges, the culprits alone."""
        if len(types) == 1:
            return self.alone(types[0])
        pending, alone = list(types), []
        found: list[TypeRecord] = []
        for _ in range(ROUNDS):
            if len(pending) < 2:
                break
            templates = build(pending)
            directory, name = self._next()
            stack.write(directory, templates, name)
            run = stack.run_autofix(directory / "autofix.toml")
            self.log(f"{name}: {len(pending)} types, exit {run.exit_code} in {run.seconds}s")
            if run.exit_code == 0:
                found += records(run, templates.swept, name, "group", helpers_of(templates))
                pending = []
                break
            suspects, why = culprits(directory, run, templates), "autofix fails"
            if not suspects:
                result = admin.check(directory, name)
                suspects, why = blame(templates, result.failures), "fails as administrator"
            if not suspects and len(pending) >= SPLIT_FROM:
                half = len(pending) // 2
                self.log(f"{name}: {why}, no culprit named; halves of {len(pending)}")
                found += self.group(pending[:half]) + self.group(pending[half:])
                pending = []
                break
            if not suspects or suspects >= set(pending):
                break
            self.log(f"{name}: {why}; alone: {', '.join(sorted(suspects))}")
            self._remember(suspects)
            alone += [t for t in pending if t in suspects]
            pending = [t for t in pending if t not in suspects]
        for resource_type in alone + pending:
            found += self.alone(resource_type)
        return found

    def _remember(self, suspects: set[str]) -> None:
        """Culprits go to CULPRITS in the work directory: a later sitting there sweeps
        them alone from the start (known_culprits), even if this one stops before their
        records are written."""
        with self._lock, (self.workdir / CULPRITS).open("a", encoding="utf-8") as out:
            out.writelines(f"{t}\n" for t in sorted(suspects))

    def alone(self, resource_type: str) -> list[TypeRecord]:
        """The record of one type in a stack of its own; when autofix fails there for no
        permission it names (or the type is one AWS cannot sweep: overrides' `cannot`), the
        administrator's run of the same steps says why."""
        templates = build([resource_type])
        directory, name = self._next()
        stack.write(directory, templates, name)
        run = stack.run_autofix(directory / "autofix.toml")
        found = records(run, templates.swept, name, "alone", helpers_of(templates))
        self.log(f"{name}: {resource_type}: autofix exit {run.exit_code} in {run.seconds}s")
        known = overrides.cannot(resource_type)  # AWS refuses it too, for a known want
        if run.exit_code == 0 or (_ACTION.search(found[0].reason or "") and not known):
            return found
        result = admin.check(directory, name)
        if result.ok:
            return found
        why = "; ".join(f"{f.logical_id} {f.status}: {f.reason}" for f in result.failures[:3])
        step = result.failures[0].step if result.failures else "a step"
        reason = f"cannot be swept: {known}" if known else found[0].reason
        return [replace(found[0], admin=f"{step}: {why or result.output}", reason=reason)]


def known_culprits(workdir: Path) -> set[str]:
    """The types earlier sittings in `workdir` took out of a shared stack as culprits."""
    try:
        text = (workdir / CULPRITS).read_text(encoding="utf-8")
    except OSError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip()}


def _broken(resource_type: str, reason: str) -> TypeRecord:
    return TypeRecord(
        type=resource_type,
        converged=False,
        verified=False,
        attempts=0,
        tier=fallback_tier(resource_type, ()),
        star_demands=[],
        star_grants=[],
        reason=reason,
        stage="error",
        stack="",
        stack_types=0,
        seconds=0.0,
    )


def culprits(directory: Path, run: stack.RunFiles, templates: Templates) -> set[str]:
    """Swept types whose handlers were denied an action the run's reason names (the
    sandbox's deny log names the type of each handler call), or that need such a resource;
    when no handler call was denied it, the types whose schema (or whose helpers' schema)
    lists it. Never every type: that names no culprit."""
    named = set(_ACTION.findall(str(run.summary.get("reason") or run.output[-2000:])))
    if not named:
        return set()
    denied: set[str] = set()
    for record in stack.read_lines(directory / ".autofix" / "sandbox-denials.jsonl"):
        operation = str(record.get("operation") or "")
        if record.get("action") in named and "::" in operation:
            denied.add(operation.split(" ")[0])
    resources = templates.deploy["Resources"]
    found = {
        s.type
        for s in templates.swept
        if {resources[lid]["Type"] for lid in _closure(resources, s.logical_id)} & denied
    }
    if found:
        return found
    # Refused before any handler call was denied (a predicted demand the guard refused):
    # the types whose provider schema lists the action, then those whose helpers' does.
    owners = attribute(sorted(named), templates.swept, helpers_of(templates))
    return {t for t, actions in owners.items() if actions} - (
        {s.type for s in templates.swept} if all(owners.values()) else set()
    )


def references(value: Any) -> set[str]:
    """Logical ids a template value points at (Ref, Fn::GetAtt, ${X} in Fn::Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            found.add(value["Ref"])
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt:
            found.add(str(getatt[0]))
        sub = value.get("Fn::Sub")
        if isinstance(sub, str):
            found.update(_SUB.findall(sub))
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def _closure(resources: dict[str, Any], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for lid in references((resources.get(todo.pop()) or {}).get("Properties")):
            if lid in resources and lid not in seen:
                seen.add(lid)
                todo.append(lid)
    return seen


def helpers_of(templates: Templates) -> dict[str, list[str]]:
    """Swept logical id -> the types of the other resources it needs (transitively)."""
    resources = templates.deploy["Resources"]
    return {
        s.logical_id: sorted(
            {resources[lid]["Type"] for lid in _closure(resources, s.logical_id) - {s.logical_id}}
        )
        for s in templates.swept
    }


def blame(templates: Templates, failures: Sequence[admin.Failure]) -> set[str]:
    """Swept types whose resource, or a resource it needs, failed."""
    failed = {f.logical_id for f in failures}
    resources = templates.deploy["Resources"]
    return {s.type for s in templates.swept if _closure(resources, s.logical_id) & failed}

"""Sweep many types: shared stacks, each failure pinned on its own type.

A stack of several types is first run as the sandbox's administrator (admin.check): a
resource that fails there takes its type, and every type whose resource refers to it,
out of the stack, to be swept alone. The rest run under `autofix run`; when that fails,
each of its types is swept alone, so every record of a failure comes from a stack of one
type. A type that fails alone as administrator is recorded without running autofix
(stage `admin`): no policy can make a deploy work that fails with every permission.
"""

from __future__ import annotations

import itertools
import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.cfn_sweep import admin, stack
from scripts.cfn_sweep.outcome import TypeRecord, fallback_tier, records
from scripts.cfn_sweep.template import Templates, build

ADMIN_ROUNDS = 3
_SUB = re.compile(r"\$\{([A-Za-z0-9]+)")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class Sweeper:
    workdir: Path
    run_all: bool = False
    """Run autofix even for a type that fails as administrator (slower; same verdict)."""
    log: Callable[[str], None] = _say
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sweep(self, types: Sequence[str], per_stack: int, workers: int) -> list[TypeRecord]:
        """Records of `types` (in their order), `per_stack` types to a stack, `workers` at once."""
        groups = [list(types[i : i + per_stack]) for i in range(0, len(types), per_stack)]
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            found = [r for rs in pool.map(self.group, groups) for r in rs]
        order = {t: i for i, t in enumerate(types)}
        return sorted(found, key=lambda r: order.get(r.type, len(order)))

    def _next(self) -> tuple[Path, str]:
        with self._lock:
            number = next(iter(self._ids))
        return self.workdir / f"{number:04d}", f"sweep-{number:04d}"

    def group(self, types: Sequence[str]) -> list[TypeRecord]:
        """Records of `types`, swept in one stack where the administrator check allows."""
        pending, alone = list(types), []
        checked: tuple[Templates, Path, str] | None = None
        for _ in range(ADMIN_ROUNDS):
            templates = build(pending)
            directory, name = self._next()
            stack.write(directory, templates, name)
            result = admin.check(directory, name)
            if result.ok:
                checked = (templates, directory, name)
                break
            if len(pending) == 1:
                return self._admin_failed(pending[0], templates, directory, name, result)
            suspects = blame(templates, result.failures) or set(pending)
            self.log(f"{name}: fails as administrator; alone: {', '.join(sorted(suspects))}")
            alone += [t for t in pending if t in suspects]
            pending = [t for t in pending if t not in suspects]
            if not pending:
                break
        else:
            alone, pending = alone + pending, []
        found: list[TypeRecord] = []
        if checked and pending:
            templates, directory, name = checked
            run = stack.run_autofix(directory / "autofix.toml")
            stage = "group" if len(pending) > 1 else "alone"
            self.log(
                f"{name}: {len(pending)} type(s), autofix exit {run.exit_code} in {run.seconds}s"
            )
            if run.exit_code == 0 or len(pending) == 1:
                found += records(run, templates.swept, name, stage, helpers_of(templates))
            else:
                alone += pending
        for resource_type in alone:
            found += self.group([resource_type])
        return found

    def _admin_failed(
        self,
        resource_type: str,
        templates: Templates,
        directory: Path,
        name: str,
        result: admin.AdminCheck,
    ) -> list[TypeRecord]:
        why = "; ".join(f"{f.logical_id} {f.status}: {f.reason}" for f in result.failures[:3])
        step = result.failures[0].step if result.failures else "a step"
        reason = f"fails as administrator too ({step}): {why or result.output}"
        self.log(f"{name}: {resource_type}: {reason[:160]}")
        if self.run_all:
            run = stack.run_autofix(directory / "autofix.toml")
            return records(run, templates.swept, name, "alone", helpers_of(templates))
        swept = templates.swept[0]
        return [
            TypeRecord(
                type=resource_type,
                converged=False,
                verified=False,
                attempts=0,
                tier=fallback_tier(resource_type, ()),
                star_demands=[],
                star_grants=[],
                reason=reason,
                stage="admin",
                stack=name,
                stack_types=1,
                seconds=0.0,
                update_property=swept.update_property,
                helpers=helpers_of(templates).get(swept.logical_id, []),
            )
        ]


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

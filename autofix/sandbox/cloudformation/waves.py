"""Dependency waves: which resources CloudFormation provisions together, and in what order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autofix.sandbox.cloudformation.refs import references
from autofix.sandbox.cloudformation.state import ResourceFailed, StackOperation


def dependencies(json_map: dict[str, Any], names: list[str]) -> dict[str, set[str]]:
    """Per resource of `names`, those of `names` it needs (DependsOn, Ref, Fn::GetAtt, Fn::Sub)."""
    wanted = set(names)
    needs: dict[str, set[str]] = {}
    for name in names:
        resource = json_map.get(name) or {}
        depends = resource.get("DependsOn", [])
        explicit = {depends} if isinstance(depends, str) else set(depends or [])
        needs[name] = ((references(resource) | explicit) & wanted) - {name}
    return needs


def creation_waves(json_map: dict[str, Any], names: list[str]) -> list[list[str]]:
    """`names` grouped by dependency level, as CloudFormation provisions them in parallel.

    A resource is in the first wave whose predecessors (DependsOn, Ref, Fn::GetAtt,
    Fn::Sub, among `names`) are all in earlier waves; a cycle ends in one last wave.
    """
    needs = dependencies(json_map, names)
    waves: list[list[str]] = []
    placed: set[str] = set()
    remaining = list(names)
    while remaining:
        wave = [n for n in remaining if needs[n] <= placed]
        if not wave:  # a cycle: moto resolves it lazily, one by one
            wave = remaining
        waves.append(wave)
        placed |= set(wave)
        remaining = [n for n in remaining if n not in placed]
    return waves


def provision_in_waves(
    op: StackOperation, waves: list[list[str]], provision: Callable[[str], Any]
) -> list[ResourceFailed]:
    """Provision each wave whole, then stop at the first wave with failures (all returned)."""
    failed: dict[str, ResourceFailed] = {}
    for wave in waves:
        for name in wave:
            if name in failed:
                continue
            try:
                provision(name)
            except ResourceFailed as failure:
                failed.setdefault(failure.logical_id, failure)
        if failed:
            return list(failed.values())
    return []

"""Memory: what a service's process tree holds (sampled from /proc), and how many services
fit in this machine's memory at once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from autofix import data

__all__ = [
    "MemoryEstimate",
    "default_jobs",
    "descendants",
    "estimate",
    "process_table",
    "tree_rss_mb",
]

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class MemoryEstimate:
    """The measured peak of one service (autofix, its embedded sandbox and the deploy tool),
    and where the figure comes from."""

    per_service_mb: int
    source: str


def estimate() -> MemoryEstimate:
    """The figure in autofix/data/curated/fleet_memory.json (measured by `make bench-fleet`)."""
    figure = data.load("curated", "fleet_memory.json")
    return MemoryEstimate(int(figure["per_service_mb"]), str(figure["source"]))


def default_jobs(
    cores: int | None = None, available_mb: int | None = None, per_service_mb: int | None = None
) -> tuple[int, str]:
    """How many services to run at once: the cores, capped by the memory available; and why."""
    cores = cores or os.cpu_count() or 1
    available_mb = available_mb if available_mb is not None else _available_mb()
    per_service = per_service_mb or estimate().per_service_mb
    if available_mb is None:
        return cores, f"{cores} cores (available memory unknown)"
    by_memory = max(1, available_mb // per_service)
    jobs = max(1, min(cores, by_memory))
    why = (
        f"{cores} cores, {available_mb} MB available, about {per_service} MB per service "
        f"(autofix, its sandbox and the deploy tool) → {jobs} at once"
    )
    return jobs, why


def _available_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def tree_rss_mb(root_pid: int, table: dict[int, tuple[int, int]] | None = None) -> float:
    """Resident memory, in MB, of `root_pid` and all its descendants (autofix starts its
    sandbox and each step in sessions of their own, so the tree is followed by parent)."""
    table = table if table is not None else process_table()
    return sum(table[pid][1] for pid in descendants(root_pid, table) if pid in table) / 2**20


def descendants(root_pid: int, table: dict[int, tuple[int, int]] | None = None) -> list[int]:
    """`root_pid` and every process below it, parents first."""
    table = table if table is not None else process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _rss) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, frontier = [root_pid], [root_pid]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, [])]
        found.extend(frontier)
    return found


def process_table() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, resident bytes), from /proc."""
    table: dict[int, tuple[int, int]] = {}
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return table
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # the process ended while being read
        fields = stat[stat.rindex(")") + 2 :].split()
        # after the command: state ppid pgrp session ...; rss is /proc's field 24 (index 21)
        try:
            table[int(entry.name)] = (int(fields[1]), int(fields[21]) * _PAGE)
        except (ValueError, IndexError):
            continue
    return table

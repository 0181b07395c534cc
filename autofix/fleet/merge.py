"""One policy for one deploy role: the services' policies merged, deduplicated, collapsed and
split into managed policies within IAM's size limits (or a plain statement that it cannot fit).

The merge never widens (autofix.policy.widening): a grant goes only when another of the
same action covers it, and actions collapse into a wildcard only when it matches nothing
but the actions granted there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autofix.fleet.report import find_service_dirs, read_service
from autofix.policy.collapse import collapse_actions
from autofix.policy.document import PolicyDocument
from autofix.policy.limits import (
    LIMITS,
    MAX_ATTACHED_MANAGED,
    PolicySizeError,
    Target,
    fit,
    size_of,
)
from autofix.records.files import write_atomic

__all__ = ["Merged", "describe", "merge_policies", "write_merged"]


@dataclass(frozen=True)
class Merged:
    """The merged policy, the parts it is stored as, and what was left out and why."""

    document: PolicyDocument
    parts: tuple[PolicyDocument, ...]
    services: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    """(service, why) for each service whose policy was not merged."""
    size: int
    target: Target
    error: str | None
    """Why it cannot fit, when it cannot."""


def merge_policies(
    roots: Sequence[Path],
    target: Target = "managed",
    collapse: bool = True,
    max_policies: int = MAX_ATTACHED_MANAGED,
) -> Merged:
    """Merge the `policy.json` of every service output directory under `roots` whose run
    succeeded; a failed run's policy is incomplete and is left out (and said so)."""
    merged = PolicyDocument()
    names: list[str] = []
    skipped: list[tuple[str, str]] = []
    for directory in find_service_dirs(roots):
        service = read_service(directory, directory.parent)
        policy = directory / "policy.json"
        if service.mode != "run":
            continue
        if not policy.is_file():
            skipped.append((service.name, "no policy.json"))
            continue
        if not service.ok:
            skipped.append((service.name, f"its run did not succeed ({service.state})"))
            continue
        doc = PolicyDocument.load(policy, check_actions=False)
        merged = PolicyDocument(
            merged.with_grants(doc.grants).grants, merged.verbatim + doc.verbatim
        )
        names.append(service.name)
    merged = merged.compacted()
    if collapse:
        merged = collapse_actions(merged, exact=True).compacted()
    size = size_of(merged)
    try:
        parts = tuple(fit(merged, target, max_policies=max_policies))
        error = None
    except PolicySizeError as exc:
        parts, error = (), str(exc)
    return Merged(merged, parts, tuple(names), tuple(skipped), size, target, error)


def write_merged(merged: Merged, output: Path) -> list[Path]:
    """The whole policy at `output` (what `fleet check --policy` replays) and, when it needs
    several managed policies, each part beside it (`NAME.part-1.json`, ...)."""
    write_atomic(output, merged.document.dumps())
    written = [output]
    if len(merged.parts) > 1:
        for index, part in enumerate(merged.parts, start=1):
            path = output.with_name(f"{output.stem}.part-{index}{output.suffix}")
            write_atomic(path, part.dumps())
            written.append(path)
    return written


def describe(merged: Merged, written: Sequence[Path]) -> list[str]:
    """What a person reads: how many services, actions, characters, and where it fits."""
    limit = LIMITS[merged.target]
    lines = [
        f"merged {len(merged.services)} service(s): {len(merged.document.actions)} actions, "
        f"{merged.size} characters (whitespace not counted)"
    ]
    lines += [f"  left out {name}: {why}" for name, why in merged.skipped]
    if merged.error is not None:
        lines.append(f"it cannot fit: {merged.error}")
    elif len(merged.parts) == 1:
        lines.append(f"it fits one {merged.target} policy (at most {limit} characters)")
    else:
        lines.append(
            f"it needs {len(merged.parts)} managed policies of at most {limit} characters "
            f"(up to {MAX_ATTACHED_MANAGED} can be attached to a role): attach each part"
        )
    lines += [f"  {path}" for path in written]
    return lines

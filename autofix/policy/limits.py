"""IAM's size limits: measure a policy as IAM does, fit it, rotate managed versions."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from autofix.policy.document import VERSION, PolicyDocument

Target = Literal["user-inline", "role-inline", "managed"]
TARGETS: tuple[Target, ...] = ("user-inline", "role-inline", "managed")
LIMITS: dict[Target, int] = {"user-inline": 2048, "role-inline": 10240, "managed": 6144}
MAX_ATTACHED_MANAGED = 10
MAX_MANAGED_VERSIONS = 5
_WHITESPACE = re.compile(r"\s")


class PolicySizeError(ValueError):
    """The policy cannot fit where it goes; the message carries the numbers."""

    def __init__(self, message: str, size: int, limit: int, target: Target) -> None:
        super().__init__(message)
        self.size, self.limit, self.target = size, limit, target


def size_of(doc: PolicyDocument | dict[str, Any]) -> int:
    """Characters IAM counts against its quotas: the JSON with no whitespace.

    Whitespace inside strings is removed too, as IAM documents it; ARNs and actions
    hold none, so this equals the compact JSON length for generated policies.
    """
    data = doc.to_json() if isinstance(doc, PolicyDocument) else doc
    return len(_WHITESPACE.sub("", json.dumps(data, separators=(",", ":"), ensure_ascii=False)))


def fit(
    doc: PolicyDocument,
    target: Target,
    *,
    max_policies: int = MAX_ATTACHED_MANAGED,
    other_inline_size: int = 0,
) -> list[PolicyDocument]:
    """The policy as the documents to store at `target`, each within IAM's limit.

    Inline policies cannot be split (the limit is the total of all inline policies of the
    principal: `other_inline_size` counts the others). A managed policy that is too big
    is split across up to `max_policies` managed policies, statements packed whole and a
    statement too big alone split by actions. Raises PolicySizeError with the numbers.
    """
    limit = LIMITS[target]
    size = size_of(doc)
    if target != "managed":
        total = size + other_inline_size
        if total > limit:
            raise PolicySizeError(
                f"the policy is {size} characters (whitespace not counted)"
                + (
                    f" plus {other_inline_size} in other inline policies"
                    if other_inline_size
                    else ""
                )
                + f", over the {limit} allowed for {target} policies; use managed policies "
                f"({LIMITS['managed']} each, up to {max_policies} attached)",
                total,
                limit,
                target,
            )
        return [doc]
    if size <= limit:
        return [doc]
    units = _units(doc.to_json(), limit)
    margin = 0
    while True:
        parts = [PolicyDocument.from_json(_document(p)) for p in _pack(units, limit - margin)]
        if all(size_of(part) <= limit for part in parts):
            break
        margin += 64  # Sids renamed on rendering came out longer: leave room, repack.
    if len(parts) > max_policies:
        raise PolicySizeError(
            f"the policy is {size} characters (whitespace not counted) and needs "
            f"{len(parts)} managed policies of at most {limit}, but only {max_policies} "
            "can be attached; narrow the scope or raise the attachment quota",
            size,
            limit * max_policies,
            target,
        )
    return parts


def _document(statements: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": VERSION, "Statement": list(statements)}


def _units(data: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Statements, each small enough to fit one managed policy alone."""
    units: list[dict[str, Any]] = []
    for statement in data["Statement"]:
        if _rendered_size([statement]) <= limit:
            units.append(statement)
            continue
        split = _halves(statement)
        if split is None:
            size = _rendered_size([statement])
            raise PolicySizeError(
                f"statement {statement.get('Sid', '?')} alone is {size} characters, over "
                f"the {limit} of a managed policy, and cannot be split",
                size,
                limit,
                "managed",
            )
        for half in split:
            units.extend(_units(_document([half]), limit))
    return units


def _halves(statement: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The statement as two, by actions if it has several, else by resources."""
    for key in ("Action", "Resource"):
        values = statement.get(key)
        if isinstance(values, list) and len(values) > 1:
            half = len(values) // 2
            return dict(statement, **{key: values[:half]}), dict(statement, **{key: values[half:]})
    return None


def _pack(units: list[dict[str, Any]], limit: int) -> list[list[dict[str, Any]]]:
    """First-fit decreasing: statements into as few documents as fit the limit."""
    envelope = size_of(_document([]))
    bins: list[tuple[list[dict[str, Any]], int]] = []
    for unit, size in sorted(
        ((u, size_of(_document([u])) - envelope) for u in units), key=lambda pair: -pair[1]
    ):
        for index, (part, used) in enumerate(bins):
            if envelope + used + 1 + size <= limit:
                part.append(unit)
                bins[index] = (part, used + 1 + size)
                break
        else:
            bins.append(([unit], size))
    return [part for part, _ in bins]


def _rendered_size(statements: list[dict[str, Any]]) -> int:
    """The size of these statements once stored as one document (Sids renamed, regrouped)."""
    return size_of(PolicyDocument.from_json(_document(statements)))


@dataclass(frozen=True)
class PolicyVersion:
    version_id: str
    is_default: bool
    create_date: datetime


def plan_version_rotation(
    versions: Sequence[PolicyVersion | tuple[str, bool, datetime]],
    max_versions: int = MAX_MANAGED_VERSIONS,
) -> str | None:
    """The version to delete before creating a new one, or None when there is room.

    IAM keeps at most 5 versions of a managed policy; the oldest non-default one goes,
    never the default.
    """
    records = [v if isinstance(v, PolicyVersion) else PolicyVersion(*v) for v in versions]
    if len(records) < max_versions:
        return None
    candidates = sorted((v for v in records if not v.is_default), key=lambda v: v.create_date)
    if not candidates:
        raise ValueError("no non-default policy version to delete")
    return candidates[0].version_id

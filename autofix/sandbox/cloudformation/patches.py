"""The mechanism of the patch registry: a Patch names what it replaces and what it mends.

The registry itself (every patch the sandbox installs into moto's CloudFormation)
is `cloudformation.PATCHES`; patched code reaches moto's own behaviour with `original`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_ORIGINALS: dict[tuple[int, str], Any] = {}


@dataclass(frozen=True)
class Patch:
    """`owner.name` (a module or class attribute of moto) replaced by `replacement`."""

    owner: Any
    name: str
    replacement: Any
    mends: str  # what moto 5.2.5 gets wrong, or lacks, without it

    @property
    def target(self) -> str:
        owner = getattr(self.owner, "__qualname__", None) or self.owner.__name__
        return f"{owner}.{self.name}"


def apply(patches: Iterable[Patch]) -> None:
    """Install each patch once, keeping moto's original (None when moto has none)."""
    for patch in patches:
        key = (id(patch.owner), patch.name)
        if key in _ORIGINALS:
            continue
        _ORIGINALS[key] = getattr(patch.owner, patch.name, None)
        setattr(patch.owner, patch.name, patch.replacement)


def original(owner: Any, name: str) -> Any:
    """moto's own `owner.name` from before the patch (KeyError when it was not patched)."""
    return _ORIGINALS[(id(owner), name)]


def installed() -> bool:
    return bool(_ORIGINALS)

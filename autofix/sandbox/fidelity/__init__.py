"""Patches that make moto deny like a real AWS account (installed in the server process)."""

from __future__ import annotations

from pathlib import Path


def install(deny_log: Path | None = None) -> None:
    """Install every fidelity patch. Safe to call once per process."""
    from autofix.sandbox.fidelity import signing

    signing.install()
    __import__("autofix.sandbox.fidelity.cloudformation", fromlist=["install"]).install()

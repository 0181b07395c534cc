"""Everything the sweep reads of autofix itself, in one place (autofix/ is being restructured).

The sweep drives autofix through its CLI and reads its output files; only these facts
come from the package: which resource types the embedded sandbox can create, which of
them it checks with property-aware rules, which have provider-schema handler lists, and
an administrator's sandbox (autofix.testing, the documented fixture behind `iam_sandbox`)
to tell a template the sandbox cannot deploy at all from one autofix cannot make work.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from autofix import data
from autofix.sandbox.cloudformation.demands.requirements import covered_types


@cache
def _type_data() -> dict[str, Any]:
    """autofix/data/derived/cfn_types.json: every type the sandbox knows (cfn-lint's
    provider index)."""
    types: dict[str, Any] = data.load("derived", "cfn_types.json")["types"]
    return types


def creatable_types() -> frozenset[str]:
    """Every type the embedded sandbox can create through CloudFormation.

    The sandbox accepts exactly the types of its data file (any other is "Unrecognized
    resource types", as on AWS) and creates each with moto's model where moto has one,
    with a stand-in where it has not (autofix/sandbox: resource_class_from_type).
    """
    return frozenset(_type_data())


def type_entry(resource_type: str) -> dict[str, Any]:
    """The sandbox's data of one type: its handler actions per operation (`create`,
    `update`, `delete`, `tag`), ids; {} for a type it does not know."""
    entry: dict[str, Any] = _type_data().get(resource_type) or {}
    return entry


def has_handlers(resource_type: str) -> bool:
    """Does the type's provider schema list handler permissions (the schema tier)?"""
    return bool(type_entry(resource_type).get("handlers", True))


@cache
def rule_types() -> frozenset[str]:
    """Types the sandbox checks with property-aware rules (data and code)."""
    return frozenset(covered_types())


@contextlib.contextmanager
def admin_sandbox(directory: Path) -> Iterator[dict[str, str]]:
    """A fresh sandbox account; yields the environment of its administrator for a CLI."""
    from autofix.testing import IamSandbox

    with IamSandbox.start(directory) as sandbox:
        yield sandbox.admin_session().env()

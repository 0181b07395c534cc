"""The click options both command lines (`autofix`, `autofix fleet`) declare alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["F", "dir_option", "file_option", "json_option"]


def file_option(*names: str, allow_dash: bool = False, **how: Any) -> Callable[[F], F]:
    """An option naming a file, given to the command as a `Path` (a directory is refused)."""
    kind = click.Path(path_type=Path, dir_okay=False, allow_dash=allow_dash)
    return click.option(*names, type=kind, **how)


def dir_option(*names: str, **how: Any) -> Callable[[F], F]:
    """An option naming a directory, given to the command as a `Path` (a file is refused)."""
    return click.option(*names, type=click.Path(path_type=Path, file_okay=False), **how)


def json_option(help_text: str) -> Callable[[F], F]:
    """`--json`, given to the command as `as_json`."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)

"""The report's jinja2 environment: templates and stylesheet in `autofix/report/templates/`
(package data), autoescaped, an undefined name an error."""

from __future__ import annotations

from functools import cache

import jinja2

__all__ = ["environment", "source"]


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("autofix.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def source(name: str) -> str:
    """A template file's text as it is (the stylesheet)."""
    loader = environment().loader
    assert loader is not None
    return loader.get_source(environment(), name)[0]

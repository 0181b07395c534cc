"""The nested stacks a packaged template will create, read from the files it names.

`aws cloudformation package` uploads the local file an `AWS::CloudFormation::Stack`'s
`TemplateURL` names (relative to the template) and rewrites the URL; CloudFormation then
creates that nested stack as the caller, named `{parent}-{logical id}-{random}`
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-nested-stacks.html,
https://docs.aws.amazon.com/cli/latest/reference/cloudformation/package.html). Its resources'
demands are predicted like the parent's, on that generated stack name; a `Parameters` value
the parent gives as a literal replaces the nested template's default. A URL (already uploaded)
is not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from autofix.account.stack_names import parse_template
from autofix.policy.name_rules import name_rule
from autofix.predict.packaged import Packaged

NESTED_STACK = "AWS::CloudFormation::Stack"
_DEPTH = 5  # CloudFormation's own nesting limit is deeper; a loop of files stops here


def nested_resources(template: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """The template's nested stacks: (logical id, resource body)."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    for logical_id, body in (resources or {}).items():
        if isinstance(body, dict) and body.get("Type") == NESTED_STACK:
            yield logical_id, body


def nested_name(parent: str, logical_id: str) -> str:
    """The name CloudFormation gives the nested stack, its random tail `*` (name_rules:
    `{parent}-{logical id}-*`, truncated as the type's rule says)."""
    rule = name_rule(NESTED_STACK)
    return rule.pattern(parent, logical_id) if rule else f"{parent}-{logical_id}-*"


def nested(packaged: Packaged, path: Path, depth: int = 0) -> list[Packaged]:
    """The nested stacks of `packaged`, deployed from the template file `path` (as written:
    a reader may have replaced a local TemplateURL already), whose templates are files beside
    it, recursively."""
    written = parse_template(_read(path))
    if packaged.removes or depth >= _DEPTH or not isinstance(written, dict):
        return []
    found: list[Packaged] = []
    for logical_id, body in nested_resources(written):
        props = body.get("Properties") or {}
        file = _local_file(props.get("TemplateURL"), path.parent)
        template = parse_template(_read(file)) if file is not None else None
        if not isinstance(template, dict):
            continue
        child = replace(
            packaged,
            template=_with_parameters(template, props.get("Parameters")),
            stack=nested_name(packaged.stack, logical_id),
            service=nested_name(packaged.stack, logical_id),
            transforms=(),
            passes_role=False,
        )
        assert file is not None
        found += [child, *nested(child, file, depth + 1)]
    return found


def _local_file(url: Any, directory: Path) -> Path | None:
    if not isinstance(url, str) or not url or "://" in url:
        return None
    path = directory / url
    return path if path.is_file() else None


def _read(path: Path | None) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path is not None else None
    except OSError:
        return None


def _with_parameters(template: dict[str, Any], given: Any) -> dict[str, Any]:
    params = dict(template.get("Parameters") or {})
    for name, value in (given or {}).items() if isinstance(given, dict) else ():
        if (
            name in params
            and isinstance(value, (str, int, float))
            and isinstance(params[name], dict)
        ):
            params[name] = {**params[name], "Default": str(value)}
    return {**template, "Parameters": params} if params else template

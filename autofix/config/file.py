"""The whole of `autofix.toml` as one pydantic schema, and its first error as one line."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import field
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.dataclasses import dataclass

from autofix.config.fields import (
    TABLE,
    Env,
    NonEmpty,
    OptionalFlag,
    OptionalNonEmpty,
    Positive,
    Strings,
    base_dir,
    invalid,
    non_empty,
    toml_kind,
)
from autofix.config.tables import Tables

__all__ = ["ConfigFile", "SetupTable", "StepTable", "explain", "read_file"]


def _directory(value: Any, info: ValidationInfo) -> Path:
    """`cwd`, relative to the file's directory: it must exist."""
    if isinstance(value, Path):
        return value
    cwd = base_dir(info) / non_empty(value)
    if not cwd.is_dir():
        raise invalid(f"{cwd} is not a directory")
    return cwd.resolve()


Directory = Annotated[Path, BeforeValidator(_directory)]


@dataclass(frozen=True, config=TABLE)
class SetupTable:
    """`[[setup]]`: a command run as the sandbox's operator before the steps."""

    name: NonEmpty
    run: NonEmpty
    cwd: Directory = Field(default=".", validate_default=True)
    env: Env = field(default_factory=dict)
    timeout: Positive = 1800.0


@dataclass(frozen=True, config=TABLE)
class StepTable(SetupTable):
    """`[[steps]]`: a deploy step, with what its harvest and update rehearsal need."""

    stacks: Strings = ()
    rehearse: OptionalFlag = None
    rehearse_run: OptionalNonEmpty = None

    @model_validator(mode="after")
    def _rehearsal(self) -> StepTable:
        if self.rehearse is False and self.rehearse_run is not None:
            raise invalid("given, but rehearse = false", "rehearse_run")
        return self


def _tables(name: str, required: bool) -> BeforeValidator:
    """A list of `[[name]]` tables; `required`: at least one."""

    def check(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise invalid(f"must be a list of [[{name}]] tables, got {toml_kind(value)}")
        if required and not value:
            raise invalid(f"at least one [[{name}]] entry is required")
        return value

    return BeforeValidator(check)


@dataclass(frozen=True, config=TABLE)
class ConfigFile(Tables):
    """Every table of the file; `steps` is required, the rest has defaults."""

    steps: Annotated[tuple[StepTable, ...], _tables("steps", required=True)] = Field(
        default=(), validate_default=True
    )
    setup: Annotated[tuple[SetupTable, ...], _tables("setup", required=False)] = ()

    @model_validator(mode="after")
    def _setup_on_the_sandbox(self) -> ConfigFile:
        if self.setup and self.sandbox.kind != "local":
            raise invalid(
                "runs as the sandbox's operator, so only on the embedded sandbox "
                "(sandbox.kind = 'local'); on a real account an administrator runs it "
                "before autofix",
                "setup",
            )
        return self


_FILE = TypeAdapter(ConfigFile)
_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")


def read_file(raw: Any, base: Path, where: str) -> ConfigFile:
    """`raw` (the parsed TOML) validated; ConfigError's one line on the first error."""
    from autofix.errors import ConfigError

    try:
        return _FILE.validate_python(raw, context={"base_dir": base})
    except ValidationError as exc:
        raise ConfigError(f"{where}: {explain(exc)}") from None


def explain(exc: ValidationError) -> str:
    """The first error as `<table>.<key>: <message>` (an unknown key first, as it was read)."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] not in _UNKNOWN)
    error = errors[0]
    loc = list(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "config":
        loc += [ctx["key"]] if ctx.get("key") else []
        message = str(ctx["message"])
    elif kind in _UNKNOWN:
        message = f"unknown key (expected one of: {', '.join(sorted(_keys_at(loc[:-1])))})"
    elif kind == "missing":
        message = "required"
    elif kind in ("dataclass_type", "dataclass_exact_type", "model_type", "dict_type"):
        message = "must be a table"
    else:
        message = error["msg"]
    return f"{_path(loc)}: {message}" if loc else message


def _path(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _keys_at(loc: list[Any]) -> list[str]:
    """The keys the table at `loc` accepts."""
    table: Any = ConfigFile
    for part in loc:
        if isinstance(part, int):
            continue
        hint = typing.get_type_hints(table)[part]
        args = typing.get_args(hint)
        table = args[0] if typing.get_origin(hint) is tuple and args else hint
    return [f.name for f in dataclasses.fields(table)]

"""Read `autofix.toml` (or `[tool.autofix]` in pyproject.toml) into frozen records.

The file is validated by the pydantic schema in `autofix.config.file`; every unknown key
and bad value is a one-line ConfigError naming the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autofix import untrusted
from autofix.config.file import SetupTable, read_file
from autofix.config.lifecycle import deploys, rehearsal_command, rehearsal_name
from autofix.config.tables import Tables
from autofix.errors import ConfigError

__all__ = ["Config", "Step", "lifecycle", "load_config", "parse_config", "steps_from_command"]


@dataclass(frozen=True)
class Step:
    """One deploy step: a shell command run with the deployer's credentials."""

    name: str
    run: str
    cwd: Path
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 1800.0
    stacks: tuple[str, ...] = ()
    rehearse: bool | None = None
    """Run the step again as an update after it succeeds; None: when its command deploys."""
    rehearse_run: str | None = None
    """The rehearsal's own command (default: `run`, forced to redeploy for known tools)."""
    rehearsal_of: str | None = None
    """Set on a rehearsal step: the name of the step it runs again as an update."""

    @property
    def rehearsal(self) -> bool:
        return self.rehearsal_of is not None


@dataclass(frozen=True)
class Config(Tables):
    """The run's configuration: the file's tables (`Tables`), its steps and where it is."""

    steps: tuple[Step, ...]
    base_dir: Path = Path(".")
    source: Path | None = None
    setup: tuple[Step, ...] = ()
    """`[[setup]]`: run as the sandbox's operator before the steps, in every account opened."""


def load_config(path: Path) -> Config:
    """Parse a config file; `pyproject.toml` is read from its `[tool.autofix]` table."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        raw = raw.get("tool", {}).get("autofix")
        if raw is None:
            raise ConfigError(f"{path}: no [tool.autofix] table")
    return parse_config(raw, base_dir=path.resolve().parent, source=path)


def parse_config(raw: Mapping[str, Any], base_dir: Path, source: Path | None = None) -> Config:
    where = str(source) if source else "config"
    file = read_file(dict(raw), base_dir, where)
    steps = lifecycle(
        _step(t, rehearse=t.rehearse, rehearse_run=t.rehearse_run, stacks=t.stacks)
        for t in file.steps
    )
    names = [s.name for s in steps]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{where}: steps: the step name {name!r} is used twice")
    setup = tuple(_step(t, rehearse=False) for t in file.setup)
    return Config(steps, base_dir, source, setup, **file.tables())


def _step(table: SetupTable, **more: Any) -> Step:
    """The record of a `[[steps]]` or `[[setup]]` table; `rehearse_run` implies `rehearse`."""
    if more.get("rehearse_run") is not None:
        more["rehearse"] = True
    name = untrusted.clean(table.name)  # a name is shown and kept: no terminal escapes in it
    return Step(name, table.run, table.cwd, dict(table.env), table.timeout, **more)


def steps_from_command(argv: list[str], base_dir: Path, name: str = "command") -> tuple[Step, ...]:
    """A single step from `autofix run -- CMD ARGS...`."""
    import shlex

    if not argv:
        raise ConfigError("no command given after --")
    return lifecycle([Step(name=name, run=shlex.join(argv), cwd=base_dir)])


def lifecycle(steps: Iterable[Step]) -> tuple[Step, ...]:
    """Each step, then its update rehearsal when it has one (autofix.config.lifecycle)."""
    out: list[Step] = []
    for step in steps:
        out.append(step)
        wanted = step.rehearse if step.rehearse is not None else deploys(step.run)
        if wanted and not step.rehearsal:
            out.append(
                replace(
                    step,
                    name=rehearsal_name(step.name),
                    run=rehearsal_command(step.run, step.rehearse_run),
                    rehearse=False,
                    rehearsal_of=step.name,
                )
            )
    return tuple(out)

"""Which configuration a command runs: `--config FILE`, a command after `--`, or the
`autofix.toml` (or `pyproject.toml` with `[tool.autofix]`) in the working directory."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError

from autofix.config.file import explain
from autofix.config.model import Config, load_config, steps_from_command
from autofix.config.tables import SandboxConfig
from autofix.errors import ConfigError

__all__ = ["CONFIG_NAMES", "config_for"]

CONFIG_NAMES = ("autofix.toml", "pyproject.toml")


def config_for(config_path: Path | None, command: tuple[str, ...], region: str | None) -> Config:
    """The configuration: a command after `--` replaces the file's steps (or needs no file)."""
    if command:
        if config_path is not None:
            base = load_config(config_path)
            return replace(base, steps=steps_from_command(list(command), Path.cwd()))
        try:
            sandbox = SandboxConfig(region=region or "us-east-1")
        except ValidationError as exc:
            raise ConfigError(f"--{explain(exc)}") from None
        return Config(
            steps=steps_from_command(list(command), Path.cwd()),
            sandbox=sandbox,
            base_dir=Path.cwd(),
        )
    if config_path is None:
        config_path = next((Path(n) for n in CONFIG_NAMES if Path(n).is_file()), None)
        if config_path is None:
            raise ConfigError(
                "no config: pass --config FILE, or a command after -- (autofix run -- sls deploy)"
            )
    return load_config(config_path)

"""The run's configuration: `autofix.toml` (or `[tool.autofix]`) read into frozen records,
and what the steps' own commands say about the project (service names, stages, lifecycle).

The records of the file's tables (`SandboxConfig`, `PrincipalConfig`, ...) are in
`autofix.config.tables`.
"""

from autofix.config.model import Config, Step, load_config, parse_config, steps_from_command

__all__ = ["Config", "Step", "load_config", "parse_config", "steps_from_command"]

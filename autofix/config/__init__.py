"""The run's configuration: `autofix.toml` (or `[tool.autofix]`) read into frozen records,
and what the steps' own commands say about the project (service names, stages, lifecycle).
"""

from autofix.config.model import (
    Config,
    HarvestConfig,
    LoopConfig,
    PolicyConfig,
    PrincipalConfig,
    SandboxConfig,
    Step,
    VerifyConfig,
    load_config,
    parse_config,
    steps_from_command,
)

__all__ = [
    "Config",
    "HarvestConfig",
    "LoopConfig",
    "PolicyConfig",
    "PrincipalConfig",
    "SandboxConfig",
    "Step",
    "VerifyConfig",
    "load_config",
    "parse_config",
    "steps_from_command",
]

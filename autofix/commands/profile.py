"""`autofix profile`: derive a framework profile (what the deploy tool calls itself) from the
output directories of runs."""

from __future__ import annotations

import json
from pathlib import Path

from autofix.config import load_config
from autofix.errors import ConfigError
from autofix.predict import ahead
from autofix.predict import profile as profiles

__all__ = ["profile_text"]


def profile_text(out_dirs: tuple[Path, ...], name: str | None, services: tuple[str, ...]) -> str:
    """The profile as JSON text; each run's own service and stack names are generalised
    too. Its name (when not given) and the version it records are those of the tool the
    runs' steps call, as installed now."""
    found: set[str] = set(services)
    stacks: set[str] = set()
    for where in out_dirs:
        context = profiles.context_of_run(where)
        found.update(context.services)
        stacks.update(context.stacks)
    tool = _installed_tool(out_dirs)
    if name is None:
        if tool is None:
            raise ConfigError("no deploy tool found in the runs' steps: name the profile (--name)")
        name = tool[0]
    version = tool[1] if tool is not None and tool[0] == name else ""
    built = profiles.build(list(out_dirs), name, sorted(found), sorted(stacks), version)
    return json.dumps(built, indent=1) + "\n"


def _installed_tool(out_dirs: tuple[Path, ...]) -> tuple[str, str] | None:
    """(profile name, version) of the tool the first run's first tool step calls."""
    for where in out_dirs:
        try:
            saved = json.loads((where / "run.json").read_text(encoding="utf-8"))
            steps = load_config(Path(saved["config"])).steps
        except (OSError, ValueError, KeyError, TypeError, ConfigError):
            continue
        for step in steps:
            name = ahead.profile_name(step, ahead.run_without_credentials)
            version = ahead.installed_version(step, ahead.run_without_credentials)
            if name and version:
                return name, version
    return None

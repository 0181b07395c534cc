"""GitHub Actions workflow commands: `autofix check`'s missing actions as annotations."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from autofix.config.lifecycle import UPDATE_SUFFIX
from autofix.loop.check import CheckOutcome

__all__ = ["github_annotations"]


def github_annotations(
    outcome: CheckOutcome, config_path: Path | None, workspace: str | None = None
) -> list[str]:
    """`::error` workflow commands GitHub Actions shows as annotations on the run.

    One per missing action (and one per step that failed for another reason), placed
    on the step's `name = ...` line of the config file. `workspace` is the checkout
    (default: `GITHUB_WORKSPACE`): GitHub wants file paths relative to it.
    """
    if workspace is None:
        workspace = os.environ.get("GITHUB_WORKSPACE")
    lines = []
    for step in outcome.steps:
        where = _annotation_place(config_path, step.name, workspace)
        title = f"autofix check: {step.name}"
        for m in (missing.denial for missing in step.missing):
            action = m.action or "an unnamed action"
            on = f" on {m.resource}" if m.resource else ""
            if m.fixable:
                why = "which the saved policy does not grant"
            else:
                why = f"denied by a {m.deny.value} deny that a grant cannot fix"
            lines.append(
                _workflow_command(
                    "error", f"step {step.name} needs {action}{on}, {why}", where, title
                )
            )
        if not step.ok and not step.missing:
            lines.append(_workflow_command("error", step.reason or "failed", where, title))
    return lines


def _annotation_place(
    config_path: Path | None, step_name: str, workspace: str | None
) -> dict[str, str]:
    if config_path is None:
        return {}
    shown = config_path
    if workspace and config_path.resolve().is_relative_to(Path(workspace).resolve()):
        shown = config_path.resolve().relative_to(Path(workspace).resolve())
    place = {"file": shown.as_posix()}
    # a rehearsal is placed on the step it rehearses
    line = _step_line(config_path, step_name) or _step_line(
        config_path, step_name.removesuffix(UPDATE_SUFFIX)
    )
    if line is not None:
        place["line"] = str(line)
    return place


def _step_line(config_path: Path, step_name: str) -> int | None:
    """The 1-based line of `name = "STEP"` in the config file, if it can be found."""
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        key, _, value = line.partition("=")
        if key.strip() == "name" and value.strip().strip("'\"") == step_name:
            return number
    return None


def _workflow_command(command: str, message: str, properties: Mapping[str, str], title: str) -> str:
    """One workflow command line, escaped as GitHub's toolkit escapes it."""
    props = {**properties, "title": title}
    joined = ",".join(f"{k}={_escape_property(v)}" for k, v in props.items())
    return f"::{command} {joined}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")

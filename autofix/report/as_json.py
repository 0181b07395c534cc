"""A run as JSON for machines: the records, plus each action's first source and evidence."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from autofix.report.model import RunRecord

FORMAT_VERSION = 1


def run_to_json(run: RunRecord) -> dict[str, Any]:
    data = asdict(run)
    data["directory"] = str(run.directory)
    data["ok"] = run.ok
    data["actions"] = list(run.actions)
    for step_data, step in zip(data["steps"], run.steps, strict=True):
        step_data["ok"] = step.ok
        for action_data, action in zip(step_data["actions"], step.actions, strict=True):
            action_data["source"] = action.source
            action_data["evidence"] = action.evidence
    return {"format": "autofix-report", "version": FORMAT_VERSION, **data}


def render_json(run: RunRecord) -> str:
    return json.dumps(run_to_json(run), indent=2, ensure_ascii=False) + "\n"

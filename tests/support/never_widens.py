"""Hold a finished run's policies to the rule "merging never widens" (autofix.policy.widening).

Read from the output directory alone, so a run need not be repeated: every (action,
resource) an Allow statement of `policy*.json` makes must be covered by a grant the
ledger recorded (`grant_added`), and no resource pattern may cut one of the deployment's
names short (its service names from the config, the stacks `summary.json` names).
"""

from __future__ import annotations

import json
from pathlib import Path

from autofix.config.model import load_config
from autofix.config.project import service_names_of
from autofix.policy.document import Grant
from autofix.policy.widening import cut_names, statement_grants, widened


def deployment_names(out: Path, config: Path | None = None) -> list[str]:
    """The service names (configured, or read from serverless.yml) and the stacks the run
    touched (`summary.json`); the config is the one `run.json` names unless given."""
    if config is None:
        config = Path(json.loads((out / "run.json").read_text(encoding="utf-8"))["config"])
    services: tuple[str, ...] | list[str] = ()
    if config.is_file():  # an old run's config may be gone: its stacks still say much
        loaded = load_config(config)
        services = loaded.policy.service_names or service_names_of(loaded.steps)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    stacks = [r["stack"] for r in summary.get("resources", []) if r.get("stack")]
    return list(dict.fromkeys([*services, *stacks]))


def widening_problems(out: Path, config: Path | None = None) -> list[str]:
    """What the run's policies allow beyond its grants, and each name a pattern cuts."""
    granted = [
        Grant(record["action"], record["resource"])
        for record in map(json.loads, (out / "ledger.jsonl").read_text().splitlines())
        if record.get("event") == "grant_added"
    ]
    names = deployment_names(out, config)
    problems: list[str] = []
    for path in sorted(out.glob("policy*.json")):
        made = statement_grants(json.loads(path.read_text(encoding="utf-8")))
        problems += [
            f"{path.name}: {g.action} on {g.resource} is allowed, granted by no grant"
            for g in widened(granted, made)
        ]
        problems += [f"{path.name}: {p}" for g in made for p in cut_names(g.resource, names)]
    return problems

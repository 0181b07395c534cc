"""What an update of a deployed stack calls: its change set, predicted as the sandbox runs it.

A deploy to a stack that exists is an update. Its change set (read the same way the
sandbox's update reads it, autofix.sandbox.fidelity.rehearsal) calls, per resource:
the create handler of one the deployed template lacks; for one whose resolved properties
changed, the update handler (with the deployed properties as the old ones, so a rule
that looks at what changed, tags for one, sees it), or, when a create-only property
changed, the create handler of its replacement and the delete handler of the old one; for
one that refers to a replaced resource, the same (the replacement's new id changes what
it refers to); nothing for the others. Resources the new template drops are deleted
(`Predictor._removed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autofix.predict.template import Place, Predicted, Resolver, handler_groups
from autofix.sandbox.cloudformation.refs import references
from autofix.sandbox.fidelity.rehearsal import changed_properties, replaces


def predict_changes(
    deployed: Mapping[str, Any], template: Mapping[str, Any], place: Place
) -> list[Predicted]:
    """The handler calls an update from `deployed` to `template` makes (creates, updates,
    replacements), as predicted groups."""
    old, new = Resolver(deployed, place), Resolver(template, place)
    replaced: set[str] = set()
    found: list[Predicted] = []
    pending = [k for k, v in new.resources.items() if isinstance(v, dict) and "Type" in v]
    settled = False
    plans: dict[str, tuple[str, list[str]]] = {}
    while not settled:  # a replacement changes what refers to it: until nothing more does
        settled = True
        for logical_id in pending:
            plan = _plan(logical_id, old, new, replaced)
            if plan != plans.get(logical_id):
                plans[logical_id] = plan
                if plan[0] in ("create", "replace") and logical_id not in replaced:
                    replaced.add(logical_id)
                    settled = False
    for logical_id, (kind, _changed) in plans.items():
        props = new.resolve(_properties(new, logical_id))
        before = old.resolve(_properties(old, logical_id))
        if kind in ("create", "replace"):
            found += handler_groups(new, logical_id, "create", props)
        if kind == "replace":
            found += handler_groups(old, logical_id, "delete", before)
        if kind == "update":
            found += handler_groups(new, logical_id, "update", props, before)
    return found


def _plan(
    logical_id: str, old: Resolver, new: Resolver, replaced: set[str]
) -> tuple[str, list[str]]:
    """(what the change set does to the resource, the properties that changed): `create`,
    `replace`, `update` or `keep`."""
    body = new.resources[logical_id]
    before = old.resources.get(logical_id)
    if not isinstance(before, dict) or before.get("Type") != body.get("Type"):
        return "create", []
    raw = _properties(new, logical_id)
    changed = changed_properties(new.resolve(raw), old.resolve(_properties(old, logical_id)))
    changed += [  # refers to a replaced resource: resolves to its new id
        k for k, v in raw.items() if k not in changed and references(v) & replaced
    ]
    if not changed:
        return "keep", []
    return ("replace" if replaces(str(body["Type"]), changed) else "update"), changed


def _properties(resolver: Resolver, logical_id: str) -> dict[str, Any]:
    body = resolver.resources.get(logical_id)
    props = body.get("Properties") if isinstance(body, dict) else None
    return props if isinstance(props, dict) else {}

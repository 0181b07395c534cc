"""Actions that can raise the privileges of whoever holds them, and why.

The list is data (autofix/data/curated/escalations.json): the well-known paths of Rhino
Security Labs' "AWS IAM Privilege Escalation: Methods and Mitigation" and Bishop Fox's
iam-vulnerable scenarios, each entry with why it escalates; and the data-access actions
(reading secrets, decrypting, exposing buckets, leaving the organization).
"""

from __future__ import annotations

from dataclasses import dataclass

from autofix import data
from autofix.policy import actions_catalog
from autofix.policy.arn_formats import formats_of, match_arn


@dataclass(frozen=True)
class Escalation:
    """A privilege-escalation action; `with_any` names actions that complete the path."""

    action: str
    why: str
    with_any: tuple[str, ...] = ()
    refuse_unscoped: bool = True
    """False: flagged on any resource, `*` included, never refused (a path's first step)."""
    through: tuple[str, ...] = ()
    """The action's IAM resource types the escalation flows through (none: all of them)."""
    bound_by: str = ""
    """A condition key binding what flows through (`ec2:InstanceProfile`): a grant whose
    condition binds it to scoped values, or to none, is flagged, not refused."""
    bound_scopes: bool = True
    """False: the flag says the binding, and an unscoped grant is refused still
    (`iam:PolicyARN` binds the policy AttachRolePolicy attaches, not the role)."""

    def carried_by(self, resource: str) -> bool:
        """Whether a grant on `resource` carries the escalation: `*`, a resource of a type
        it flows through (RunInstances on `instance/*`), or one of no type of the action's
        it can tell; not one of its other types (RunInstances on `image/*`: an AMI passes
        no role)."""
        if not self.through or resource == "*":
            return True
        service = self.action.partition(":")[0].lower()
        info = actions_catalog.lookup(self.action)
        for rt in info.resource_types if info else ():
            if match_arn(resource, formats_of(rt, service)) is not None:
                return rt.name in self.through
        return True


_DATA = data.load("curated", "escalations.json")

ESCALATIONS: tuple[Escalation, ...] = tuple(
    Escalation(
        entry["action"],
        entry["why"],
        tuple(entry.get("with_any", ())),
        bool(entry.get("refuse_unscoped", True)),
        tuple(entry.get("through", ())),
        str(entry.get("bound_by", "")),
        bool(entry.get("bound_scopes", True)),
    )
    for entry in _DATA["escalations"]
)
"""The list, kept in autofix/data/curated/escalations.json with its sources."""

_BY_ACTION = {e.action.lower(): e for e in ESCALATIONS}
DATA_ACCESS: dict[str, str] = {
    entry["action"].lower(): entry["why"] for entry in _DATA.get("data_access", ())
}
"""Actions that read or expose the account's data, or leave its organization: why each."""


def escalations_of(action: str) -> tuple[Escalation, ...]:
    """The escalation actions an action or action pattern (`iam:Put*`) grants."""
    if action in ("*", "*:*"):
        return ESCALATIONS
    if "*" in action or "?" in action:
        return tuple(
            _BY_ACTION[name.lower()]
            for name in actions_catalog.expand(action)
            if name.lower() in _BY_ACTION
        )
    found = _BY_ACTION.get(action.lower())
    return (found,) if found else ()


def is_escalation(action: str) -> bool:
    return bool(escalations_of(action))


def data_access_of(action: str) -> tuple[tuple[str, str], ...]:
    """The data-access actions (name, why) an action or action pattern grants."""
    names = actions_catalog.expand(action) if ("*" in action or "?" in action) else (action,)
    return tuple((n, DATA_ACCESS[n.lower()]) for n in names if n.lower() in DATA_ACCESS)


def is_data_access(action: str) -> bool:
    return bool(data_access_of(action))

"""The safety guard: what autofix never grants, and what it grants only with a flag.

Refusals are absolute (`*`, `*:*`, `iam:*`, `sts:*`; escalation actions on unscoped
resources) or overridable by the user (a grant that lets the deployer edit its own
permissions, `--allow-self-edit`; a grant outside the deployment's namespace,
`autofix.policy.intent`, `[guard] allow`). Flags list each privilege-escalation action granted
on scoped resources, with why it is dangerous and why it was needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from autofix.policy import actions_catalog, conditions
from autofix.policy.arns import Arn, matches
from autofix.policy.conditions import Condition
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.escalation import data_access_of, escalations_of
from autofix.policy.intent import CREDENTIAL_ACTIONS, Namespace, every_resource, outside
from autofix.policy.scope import ScopedGrant

EXIT_REFUSED = 3
NEVER_GRANTED = frozenset({"*", "*:*", "iam:*", "sts:*"})
_CREDENTIAL_ACTIONS = CREDENTIAL_ACTIONS | {"iam:enablemfadevice"}
# A resource field that is a bare type prefix and wildcards: `role/*`, `function:*`, `*`.
_UNSCOPED_FIELD = re.compile(r"[A-Za-z-]*[/:]?[*/:]*")


@dataclass(frozen=True)
class Refusal:
    """A grant the guard will not let through; `overridable` by --allow-self-edit."""

    rule: str
    action: str
    resource: str
    message: str
    overridable: bool = False


@dataclass(frozen=True)
class Flag:
    """A risky grant let through: why it is risky and why the deploy needed it."""

    action: str
    resource: str
    risk: str
    needed_for: str = ""


@dataclass(frozen=True)
class GuardReport:
    refusals: tuple[Refusal, ...] = ()
    flags: tuple[Flag, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.refusals

    def raise_if_refused(self) -> None:
        if self.refusals:
            raise GuardRefusal(self)


class GuardRefusal(Exception):
    """The policy needs a grant the guard refuses; the CLI exits with code 3."""

    exit_code = EXIT_REFUSED

    def __init__(self, report: GuardReport) -> None:
        self.report = report
        lines = [f"{r.action} on {r.resource}: {r.message}" for r in report.refusals]
        super().__init__("refused by the safety guard:\n  " + "\n  ".join(lines))


@dataclass(frozen=True)
class _Deployer:
    arns: tuple[str, ...]
    attached: tuple[str, ...]


def check(
    grants: Iterable[Grant | ScopedGrant],
    deployer_arn: str | None,
    allow_self_edit: bool = False,
    *,
    deployer_attached: Sequence[str] = (),
    namespace: Namespace | None = None,
) -> GuardReport:
    """Judge `grants` for the deployer `deployer_arn` (a user, role or assumed-role ARN).

    `deployer_attached` lists the ARNs of the managed policies and groups the deployer
    has: rewriting those is self-edit too. With a `namespace`, a grant outside the
    deployment is refused unless `[guard] allow` lists it (then flagged).
    """
    items = [(g.grant, g.note) if isinstance(g, ScopedGrant) else (g, "") for g in grants]
    granted = {g.action.lower() for g, _ in items}
    deployer = _Deployer(_principal_arns(deployer_arn), tuple(deployer_attached))
    refusals: list[Refusal] = []
    flags: list[Flag] = []
    for grant, note in items:
        action, resource = grant.action, grant.resource
        risks: list[str] = []
        if action.lower() in NEVER_GRANTED or action.startswith("*"):
            refusals.append(Refusal("never-grant", action, resource, f"{action} is never granted"))
            continue
        why = outside(action, resource, namespace) if namespace is not None else None
        if why is not None and namespace is not None:
            allowed = namespace.allowance(action, resource)
            if allowed is None:
                refusals.append(
                    Refusal(
                        "outside-intent",
                        action,
                        resource,
                        f"outside the deployment: {why}; allow it explicitly with "
                        f'[guard] allow = ["{action} on {resource}"]',
                        overridable=True,
                    )
                )
                continue
            risks.append(f"{why} (allowed by [guard] allow: {allowed})")
        elif every_resource(resource):
            reads = data_access_of(action)
            risks.extend(f"{name} {verb} on every resource" for name, verb in reads)
        for escalation in escalations_of(action):
            needs = escalation.with_any
            if needs and not any(n.lower() in granted for n in needs):
                continue
            refused = escalation.refuse_unscoped and escalation.carried_by(resource)
            bound = _bound(grant.condition, escalation.bound_by) if refused else None
            lifts = bound if escalation.bound_scopes else None
            if _unscoped(resource) and refused and lifts is None:
                refusals.append(
                    Refusal(
                        "escalation-unscoped",
                        action,
                        resource,
                        f"privilege escalation ({escalation.action}: {escalation.why}) "
                        "is granted only on scoped resources",
                    )
                )
            else:
                risks.insert(0, escalation.why + (f" ({bound})" if bound else ""))
            break
        if _edits_itself(action, resource, deployer):
            message = "lets the deployer edit its own permissions"
            if allow_self_edit:
                risks.append(message + " (allowed by the user)")
            else:
                refusals.append(
                    Refusal(
                        "self-edit",
                        action,
                        resource,
                        message + "; allow it explicitly with --allow-self-edit",
                        overridable=True,
                    )
                )
        if risks:  # one flag per grant, every reason it is risky
            flags.append(Flag(action, resource, "; ".join(risks), note))
    return GuardReport(tuple(refusals), tuple(flags))


def check_document(
    doc: PolicyDocument,
    deployer_arn: str | None,
    allow_self_edit: bool = False,
    *,
    deployer_attached: Sequence[str] = (),
) -> GuardReport:
    """`check` over a whole document, verbatim Allow statements included."""
    grants = list(doc.grants)
    extra: list[Refusal] = []
    for statement in doc.verbatim:
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement or "NotResource" in statement:
            extra.append(
                Refusal(
                    "never-grant",
                    str(statement.get("NotAction", statement.get("Action"))),
                    str(statement.get("Resource", statement.get("NotResource"))),
                    "an Allow with NotAction/NotResource grants everything not listed",
                )
            )
            continue
        grants.extend(
            Grant(a, r)
            for a in _strings(statement.get("Action"))
            for r in _strings(statement.get("Resource"))
        )
    report = check(grants, deployer_arn, allow_self_edit, deployer_attached=deployer_attached)
    return GuardReport(report.refusals + tuple(extra), report.flags)


def never_granted_in(document: Any) -> list[str]:
    """The actions of a raw policy's Allow statements the guard never grants (`*`, `iam:*`, ...).

    Read before any other validation, so `*:*` is refused like `*` rather than called
    malformed.
    """
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    found: list[str] = []
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        for action in _strings(statement.get("Action")):
            if action.lower() in NEVER_GRANTED or action.startswith("*"):
                found.append(action)
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _unscoped(resource: str) -> bool:
    if resource == "*":
        return True
    arn = Arn.parse(resource)
    return arn is not None and _UNSCOPED_FIELD.fullmatch(arn.resource) is not None


def _bound(condition: Condition, key: str) -> str | None:
    """How `condition` binds the escalation's `key` (`ec2:InstanceProfile`): to scoped values
    (the deployment's instance profiles) or to none (`Null: true`); None when it does not,
    or binds it to an unscoped value (`instance-profile/*`: every role)."""
    values = conditions.binds(condition, key) if key else None
    if values is None or any(_unscoped(v) for v in values):
        return None
    return f"bound by {key} to {', '.join(values)}" if values else f"bound by {key} to none"


def _principal_arns(deployer_arn: str | None) -> tuple[str, ...]:
    """The IAM ARNs that are the deployer: its user or role (an assumed role's role)."""
    arn = Arn.parse(deployer_arn) if deployer_arn else None
    if arn is None:
        return ()
    if arn.service == "sts" and arn.resource.startswith("assumed-role/"):
        role = arn.resource.split("/")[1]
        return (str(Arn(arn.partition, "iam", "", arn.account, f"role/{role}")),)
    return (str(arn),)


def _edits_itself(action: str, resource: str, deployer: _Deployer) -> bool:
    targets = deployer.arns + deployer.attached
    if not targets or not any(resource == "*" or matches(resource, t) for t in targets):
        return False
    names = actions_catalog.expand(action) if ("*" in action or "?" in action) else (action,)
    for name in names:
        if name.lower() in _CREDENTIAL_ACTIONS:
            return True
        info = actions_catalog.lookup(name)
        if info and info.name.startswith("iam:") and "Permissions management" in info.access_level:
            return True
    return False

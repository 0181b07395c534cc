"""Property-aware rules in code for IAM policies (irregular: each principal a policy names is a
target, and its kind names the action). A role's rule is data (cfn_rules.json)."""

from __future__ import annotations

from collections.abc import Iterable

from autofix.sandbox.cloudformation.demands.calls import (
    HandlerCall,
    Props,
    Requirement,
    changed_any,
    name_list,
    role_arn_of,
)


def _principals(call: HandlerCall, props: Props) -> Iterable[tuple[str, str]]:
    """(kind, ARN) for each role, user and group a policy goes to."""
    iam = f"arn:{call.place.partition}:iam::{call.place.account}"
    for role in name_list(props.get("Roles")):
        yield "Role", role_arn_of(call, role)
    for user in name_list(props.get("Users")):
        yield "User", user if user.startswith("arn:") else f"{iam}:user/{user}"
    for group in name_list(props.get("Groups")):
        yield "Group", group if group.startswith("arn:") else f"{iam}:group/{group}"


def iam_policy(call: HandlerCall) -> Iterable[Requirement]:
    new = set(_principals(call, call.properties))
    if call.operation == "create":
        for kind, arn in sorted(new):
            yield Requirement(f"iam:Put{kind}Policy", arn)
            yield Requirement(f"iam:Get{kind}Policy", arn)
    elif call.operation == "update":
        for kind, arn in sorted(new):
            yield Requirement(f"iam:Put{kind}Policy", arn)
        for kind, arn in sorted(set(_principals(call, call.old_properties)) - new):
            yield Requirement(f"iam:Delete{kind}Policy", arn)
    else:
        for kind, arn in sorted(new):
            yield Requirement(f"iam:Delete{kind}Policy", arn)


def iam_managed_policy(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    path = str(p.get("Path") or "/")
    name = call.physical_id.rsplit("/", 1)[-1] if call.physical_id else call.physical_name
    name = str(p.get("ManagedPolicyName") or name)
    arn = f"arn:{call.place.partition}:iam::{call.place.account}:policy{path}{name}"
    attached = set(_principals(call, p))
    if call.operation == "create":
        yield Requirement("iam:CreatePolicy", arn)
        for kind, _ in sorted(attached):
            yield Requirement(f"iam:Attach{kind}Policy", _principal_of(call, p, kind))
    elif call.operation == "update":
        yield Requirement("iam:GetPolicy", arn)
        if changed_any(call, "PolicyDocument"):
            yield Requirement("iam:ListPolicyVersions", arn)
            yield Requirement("iam:CreatePolicyVersion", arn)
        old = set(_principals(call, call.old_properties))
        for kind, target in sorted(attached - old):
            yield Requirement(f"iam:Attach{kind}Policy", target)
        for kind, target in sorted(old - attached):
            yield Requirement(f"iam:Detach{kind}Policy", target)
    else:
        yield Requirement("iam:GetPolicy", arn)
        yield Requirement("iam:ListEntitiesForPolicy", arn)
        for kind, target in sorted(attached):
            yield Requirement(f"iam:Detach{kind}Policy", target)
        yield Requirement("iam:ListPolicyVersions", arn)
        yield Requirement("iam:DeletePolicy", arn)


def _principal_of(call: HandlerCall, props: Props, kind: str) -> str:
    # IAM authorises Attach*Policy on the role, user or group it attaches to.
    return next(arn for k, arn in sorted(_principals(call, props)) if k == kind)

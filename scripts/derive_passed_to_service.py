"""Derive autofix/data/derived/iam_passed_to_service.json: to which service principal (the
value of `iam:PassedToService`) each resource type's handler passes the role each of its
role properties names, and which API requests pass a role.

A principal is written only where it is known, first that tells:

1. autofix/data/curated/iam_conditions.json: `passed_to_service_by_property`,
   `passed_to_service_by_type`, `passed_to_service` (by the type's service), each with its
   source; `not_derived` names the properties whose role goes elsewhere (no principal);
2. the property's schema description names one principal AWS conditions `iam:PassRole` on;
3. the type's own IAM prefix (the service its handlers call) as `<prefix>.amazonaws.com`,
   when an AWS managed policy that grants actions of that prefix passes roles to that
   principal (`evidence`: AWSLambda_FullAccess for lambda.amazonaws.com, ...).

"Principals AWS conditions `iam:PassRole` on" are the `iam:PassedToService` values of the AWS
managed policies (moto's pinned copy of them): a verified list, not a guess from a name.
Every other role property is listed under `not_derived` with why: it keeps no condition.

Requests (`requests`): a botocore `Create*`, `Update*`, `Put*`, `Start*`, `Register*` or
`Set*` operation whose input has a member naming a role ARN (its name ends in `RoleArn`,
`Role`, `ExecutionRole`, `ServiceRole`, ... and it holds an ARN; in a JSON protocol's
structures and lists too) passes that role: where the same-named role property of the
service's types passes it, else to the service's own principal (the curated
`passed_by_request` first, then rule 3 by the operation's IAM prefix).

Run: python scripts/derive_passed_to_service.py   (regenerate_data.py --check tells when stale)
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import botocore.session
from moto.iam.aws_managed_policies import aws_managed_policies_data

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.cfn_sweep.schemas import TypeInfo, type_info  # noqa: E402
from scripts.derive_reference_demands import DATA, HANDLER_DATA  # noqa: E402
from scripts.derive_reference_demands import OUTPUT as REFERENCES  # noqa: E402
from scripts.passed_to_evidence import Said, documented, said_in  # noqa: E402

OUTPUT = DATA / "derived" / "iam_passed_to_service.json"
CURATED = DATA / "curated" / "iam_conditions.json"
PASS_ROLE = "iam:passrole"
CONFLICT = "the evidence conflicts"
_PRINCIPAL = re.compile(r"\b([a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com)\b")
_ROLE_MEMBER = re.compile(r"(rolearns?|iamrole|servicerole|executionrole|^role)$", re.IGNORECASE)


def _statements() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(name, statements) of each AWS managed policy."""
    for name, policy in json.loads(aws_managed_policies_data).items():
        found = policy["Document"]["Statement"]
        yield name, found if isinstance(found, list) else [found]


def _passed_to(statement: dict[str, Any]) -> set[str]:
    values: set[str] = set()
    for pairs in (statement.get("Condition") or {}).values():
        for key, value in (pairs or {}).items():
            if key.lower() == "iam:passedtoservice":
                values.update([value] if isinstance(value, str) else value)
    return {v for v in values if re.fullmatch(r"[a-z0-9.-]+\.amazonaws\.com", v)}


def verified_principals() -> list[str]:
    """The `iam:PassedToService` values of the AWS managed policies (exact names only)."""
    return sorted({p for _, statements in _statements() for s in statements for p in _passed_to(s)})


def own_evidence() -> dict[str, list[str]]:
    """Per principal `<prefix>.amazonaws.com`: the AWS managed policies that grant actions of
    that prefix and pass roles to that principal (a service passing roles to itself)."""
    found: dict[str, set[str]] = {}
    for name, statements in _statements():
        prefixes = set()
        for statement in statements:
            actions = statement.get("Action") or []
            for action in [actions] if isinstance(actions, str) else actions:
                prefixes.add(str(action).partition(":")[0].lower())
        for statement in statements:
            for principal in _passed_to(statement):
                if principal.removesuffix(".amazonaws.com") in prefixes:
                    found.setdefault(principal, set()).add(name)
    return {p: sorted(names) for p, names in sorted(found.items())}


def _description(info: TypeInfo, path: str) -> str:
    node = info.resolve(info.schema)
    for part in path.split("."):
        if part == "*":
            node = info.resolve(node.get("items") or {})
            continue
        props = dict(node.get("properties") or {})
        for key in ("oneOf", "anyOf"):
            for branch in node.get(key) or []:
                props.update(info.resolve(branch).get("properties") or {})
        node = info.resolve(props.get(part) or {})
    return str(node.get("description") or "")


def _own_service(resource_type: str) -> str:
    from autofix.sandbox.cloudformation.demands.references import own_service

    return own_service(resource_type)


def _curated(curated: dict[str, Any], resource_type: str, path: str) -> tuple[str, str] | None:
    """(principal or "", why) from the curated data, or None when it says nothing."""
    by_property = curated.get("passed_to_service_by_property", {}).get(resource_type, {})
    if path in by_property:
        return by_property[path], "curated (passed_to_service_by_property)"
    withheld = curated.get("not_derived", {}).get(resource_type, {})
    if path in withheld:
        return "", f"curated: {withheld[path]}"
    if resource_type in curated["passed_to_service_by_type"]:
        return curated["passed_to_service_by_type"][resource_type], "curated (by type)"
    service = resource_type.split("::")[1]
    if service in curated["passed_to_service"]:
        return curated["passed_to_service"][service], "curated (by service)"
    return None


def _handler_actions(resource_type: str) -> list[str]:
    handlers = json.loads(HANDLER_DATA.read_text(encoding="utf-8"))["types"]
    ops = handlers.get(resource_type, {})
    return [str(a) for op in ("create", "update") for a in ops.get(op, ())]


def principal_of(
    resource_type: str,
    path: str,
    curated: dict[str, Any],
    verified: set[str],
    evidence: dict[str, list[str]],
) -> tuple[str, str]:
    """(principal, the evidence that decided it) of the role property `path` of
    `resource_type`; ("", why not). Past the curation, every source that tells is read,
    and a principal is written only when they all tell the same one: a conflict is listed,
    not settled by order."""
    said = _curated(curated, resource_type, path)
    if said is not None:
        return said
    told: dict[str, list[str]] = {}
    description = _description(type_info(resource_type), path)
    named = set(_PRINCIPAL.findall(description)) & verified
    if len(named) == 1:
        told.setdefault(named.pop(), []).append("the property's description")
    for found in documented(description, _handler_actions(resource_type), path):
        words = "names its iam:PassedToService" if found.kind == "passed" else "names its trust"
        told.setdefault(found.principal, []).append(f"documented ({found.where} {words})")
    own = _own_service(resource_type)
    if f"{own}.amazonaws.com" in evidence:
        told.setdefault(f"{own}.amazonaws.com", []).append(f"the type's IAM prefix ({own})")
    if len(told) == 1:
        [(principal, how)] = told.items()
        return principal, "; ".join(dict.fromkeys(how))
    if told:
        each = "; ".join(f"{p} by {', '.join(h)}" for p, h in sorted(told.items()))
        return "", f"{CONFLICT}: {each}"
    return "", f"no AWS managed policy of {own} passes a role to {own}.amazonaws.com"


def _passing_types() -> list[str]:
    handlers = json.loads(HANDLER_DATA.read_text(encoding="utf-8"))["types"]
    return sorted(
        t
        for t, ops in handlers.items()
        if any(a.lower() == PASS_ROLE for op in ("create", "update") for a in ops.get(op, ()))
    )


def _role_members(shape: Any, nested: bool, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(member name, path on the wire: `Targets.*.RoleArn`) of the input members of `shape`
    that name a role ARN (a string or a list of them); inside structures and lists too
    when `nested` (a JSON protocol: the request body keeps its structure)."""
    for name, member in (getattr(shape, "members", None) or {}).items():
        wire = str(member.serialization.get("name") or name)
        target = member.member if member.type_name == "list" else member
        step = f"{wire}.*" if member.type_name == "list" else wire
        if target.type_name == "structure" and nested and depth < 3:
            yield from ((n, f"{step}.{w}") for n, w in _role_members(target, nested, depth + 1))
            continue
        if target.type_name != "string" or not _ROLE_MEMBER.search(name):
            continue
        pattern = str(target.metadata.get("pattern") or "")
        docs = str(member.documentation or "").lower()
        if "arn" in pattern or "arn" in name.lower() or "arn" in docs:
            yield name, wire


def _member_said(shape: Any, wire: str, where: str) -> Said | None:
    """What the documentation of the member at `wire` (`Targets.*.RoleArn`) of `shape`
    says the role is passed to or trusts."""
    member = None
    for part in wire.split("."):
        if part == "*":
            shape = shape.member
            continue
        members = {str(m.serialization.get("name") or n): m for n, m in shape.members.items()}
        member = members[part]
        shape = member
    return said_in(str(member.documentation or ""), where) if member is not None else None


def _by_member(
    types: dict[str, dict[str, str]], not_derived: dict[str, dict[str, str]]
) -> dict[str, dict[str, set[str]]]:
    """Per IAM prefix, per role property name (its last part, lower case): the principals
    the types of that prefix pass it to ("" where one is not derived)."""
    found: dict[str, dict[str, set[str]]] = {}
    for table, known in ((types, True), (not_derived, False)):
        for resource_type, paths in table.items():
            prefix = _own_service(resource_type)
            for path, value in paths.items():
                name = path.rsplit(".", 1)[-1].lower()
                found.setdefault(prefix, {}).setdefault(name, set()).add(value if known else "")
    return found


def requests(
    curated: dict[str, Any],
    evidence: dict[str, list[str]],
    types: dict[str, dict[str, str]],
    not_derived: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """Per IAM prefix, per operation whose input names a role ARN: {path: principal} (the
    member's path in the request: `Role`, `Target.RoleArn`, `Targets.*.RoleArn`).

    A member named as a role property of a type of the same service passes its role where
    that property does (ECS's `taskRoleArn` to ecs-tasks.amazonaws.com; none where it is
    not derived); any other to the service's own principal (the curated
    `passed_by_request`, else `<prefix>.amazonaws.com` with `evidence`), or, where the
    member's own documentation names the iam:PassedToService value or the one principal
    the role must trust, that one (`documented`: `passed` or `trusted`; where it differs
    from the service's own, the evidence conflicts and the member is not derived).
    `not_derived`: the operations of prefixes whose principal is not known."""
    session = botocore.session.get_session()
    properties = _by_member(types, not_derived)
    found: dict[str, dict[str, dict[str, str]]] = {}
    told: dict[str, dict[str, dict[str, str]]] = {}
    unknown: dict[str, list[str]] = {}
    for service in session.get_available_services():
        model = session.get_service_model(service)
        prefix = str(model.signing_name or model.endpoint_prefix)
        listed = curated["passed_by_request"].get(prefix)
        own = listed["service"] if listed else f"{prefix}.amazonaws.com"
        for name in model.operation_names:
            if not name.startswith(("Create", "Update", "Put", "Start", "Register", "Set")):
                continue
            shape = model.operation_model(name).input_shape
            nested = model.protocol in ("json", "rest-json")
            for member, wire in _role_members(shape, nested):
                said = properties.get(prefix, {}).get(member.lower())
                if said is not None:
                    principal = next(iter(said)) if len(said) == 1 else ""
                else:
                    principal = own if own in evidence or listed else ""
                    said_here = _member_said(shape, wire, f"botocore {prefix} {name}.{wire}")
                    if said_here and principal and said_here.principal != principal:
                        principal = ""  # the evidence conflicts: listed, not settled
                    elif said_here:
                        principal = said_here.principal
                        told.setdefault(prefix, {}).setdefault(name, {})[wire] = said_here.kind
                if principal:
                    found.setdefault(prefix, {}).setdefault(name, {})[wire] = principal
                else:
                    unknown.setdefault(prefix, []).append(f"{name}.{wire}")
    return {
        "by_prefix": found,
        "documented": told,
        "not_derived": {p: sorted(v) for p, v in unknown.items()},
    }


def _counts(
    types: dict[str, dict[str, str]],
    not_derived: dict[str, dict[str, str]],
    trust_withheld: dict[str, list[str]],
    no_property: list[str],
) -> dict[str, int]:
    """How far the data goes: the types with a principal for a role property, for all of
    them; and with the role's trust policy at run time (a role the template creates that
    trusts one service), the types whose every pass can carry a service."""
    passing = {*types, *not_derived, *no_property}
    open_to_trust = {
        t: [p for p in paths if p not in trust_withheld.get(t, [])]
        for t, paths in not_derived.items()
    }
    return {
        "types_passing_a_role": len(passing),
        "types_with_principal": len(types),
        "types_with_principal_for_every_role_property": len(set(types) - set(not_derived)),
        "types_told_by_data_or_trust": len(passing - set(trust_withheld)),
        "properties_with_principal": sum(len(v) for v in types.values()),
        "properties_not_derived": sum(len(v) for v in not_derived.values()),
        "properties_not_derived_open_to_trust": sum(len(v) for v in open_to_trust.values()),
    }


def derive() -> dict[str, Any]:
    curated = json.loads(CURATED.read_text(encoding="utf-8"))
    references = json.loads(REFERENCES.read_text(encoding="utf-8"))["types"]
    verified = set(verified_principals())
    evidence = own_evidence()
    types: dict[str, dict[str, str]] = {}
    decided: dict[str, dict[str, str]] = {}
    trust_withheld: dict[str, list[str]] = {}
    not_derived: dict[str, dict[str, str]] = {}
    no_property: list[str] = []
    how_counts: dict[str, int] = {}
    for resource_type in _passing_types():
        paths = references.get(resource_type, {}).get("role", [])
        if not paths:
            no_property.append(resource_type)
            continue
        for path in paths:
            principal, how = principal_of(resource_type, path, curated, verified, evidence)
            if principal:
                types.setdefault(resource_type, {})[path] = principal
                decided.setdefault(resource_type, {})[path] = how
                for kind in {h.split(" (")[0] for h in how.split("; ")}:
                    how_counts[kind] = how_counts.get(kind, 0) + 1
            else:
                not_derived.setdefault(resource_type, {})[path] = how
                curated_out = path in curated["not_derived"].get(resource_type, {})
                if curated_out or how.startswith(CONFLICT):
                    trust_withheld.setdefault(resource_type, []).append(path)
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("cfn-lint", "moto", "botocore"))
    return {
        "about": "The service principal (iam:PassedToService) each resource type's handler "
        "passes the role of each role property to (`types`: {type: {dotted path: "
        "principal}}), with the evidence that decided each (`decided_by`: the curation, the "
        "property's description, AWS's documentation of the property (its schema description "
        "or botocore's request member naming the iam:PassedToService value or the one "
        "principal the role must trust), the type's IAM prefix with AWS managed policies; "
        "where several tell, they agree), and the requests that pass a role (`requests`). "
        "`not_derived`: role "
        "properties with no principal (no condition: a wrong one fails on AWS), each with "
        "why; `no_role_property`: types whose handlers list iam:PassRole but whose schema "
        "names no role property; `trust_withheld`: the role properties not derived whose "
        "role's trust policy must not decide either (curated, or the evidence conflicts). "
        "`counts.by_evidence`: per class of evidence, the principals it told (one that several "
        "told counts under each). Written by scripts/derive_passed_to_service.py: never "
        "edit by hand.",
        "source": f"{versions} (its service models' documentation); "
        "autofix/data/curated/iam_conditions.json; "
        "cfn_types.json and cfn_reference_demands.json",
        "verified_principals": sorted(verified),
        "evidence": {p: names[:3] for p, names in evidence.items()},
        "counts": _counts(types, not_derived, trust_withheld, no_property)
        | {"by_evidence": dict(sorted(how_counts.items()))},
        "types": types,
        "decided_by": decided,
        "not_derived": not_derived,
        "trust_withheld": trust_withheld,
        "no_role_property": no_property,
        "requests": requests(curated, evidence, types, not_derived),
    }


def main() -> None:
    text = json.dumps(derive(), indent=1, sort_keys=True) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

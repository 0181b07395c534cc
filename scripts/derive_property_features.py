"""Derive autofix/data/derived/cfn_property_features.json: the schema-listed actions that set
one optional property, named for it, demanded only when the template sets that property.

A provider schema lists every action its handler may call. Some of them are the service's
separate API for one optional property, named for it: a VPC's ec2:CreateVpcEncryptionControl
for `VpcEncryptionControl`, a file system's elasticfilesystem:PutFileSystemPolicy for
`FileSystemPolicy`, a repository's ecr:PutLifecyclePolicy for `LifecyclePolicy`. The create
call of such a type takes the rest of the properties; the handler calls the property's own
API when the template sets it (and, on update, when it sets or removed it).

An action counts when it is of the type's own service (`own_service`), its name is a write
verb (Create, Put, Update, Set, Associate, Attach, Enable, Add, Register, Modify, and their
opposites on update) followed by the property's name (or its plural; the type's noun may
come first: appsync:PutGraphqlApiEnvironmentVariables of a GraphQLApi's
`EnvironmentVariables`), and the property is
optional (not `required`, not a primary identifier, not read-only, not the tag property,
at least two words: `Policy` alone names nothing). A property-aware rule's type ignores
this file (its rule names the calls); hand-kept `property_features` in
autofix/data/curated/cfn_reference_overrides.json add to an entry here for the same
property, and `not_property_features` there drops an entry whose action serves another
property (a subnet's ec2:AssociateSubnetCidrBlock) or that a handler calls regardless, each
with its source. Read by autofix/sandbox/cloudformation/demands/features.py.

Run: python scripts/derive_property_features.py   (regenerate_data.py --check tells when stale)
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

try:
    from scripts import derive_reference_demands as references
except ModuleNotFoundError:  # run as a file (regenerate_data.py loads it so)
    import derive_reference_demands as references  # type: ignore[no-redef]

from autofix.sandbox.cloudformation.demands.references import own_service
from scripts.cfn_sweep.schemas import all_types, type_info

OUTPUT = Path(references.DATA) / "derived" / "cfn_property_features.json"
CURATED = Path(references.DATA) / "curated" / "cfn_reference_overrides.json"
SETS = ("Create", "Put", "Update", "Set", "Associate", "Attach", "Enable", "Add", "Register")
UNSETS = ("Delete", "Disassociate", "Detach", "Disable", "Remove", "Deregister", "Modify")
_WORD = re.compile(r"[A-Z][a-z0-9]*")


def _names_property(action: str, prop: str, verbs: tuple[str, ...], noun: str) -> bool:
    """`Verb` + the property's name (`PutLifecyclePolicy`), or + the type's noun first
    (`PutGraphqlApiEnvironmentVariables` of a GraphQLApi), singular or plural, in any case."""
    name = action.partition(":")[2]
    verb = next((v for v in verbs if name.startswith(v)), None)
    if verb is None:
        return False
    rest, prop = name[len(verb) :].lower(), prop.lower()
    named = (f"{lead}{prop}{tail}" for lead in ("", noun.lower()) for tail in ("", "s"))
    return rest in named or f"{rest}s" == prop


def _optional(resource_type: str) -> list[str]:
    info = type_info(resource_type)
    required = set(info.schema.get("required") or ())
    tag = (info.schema.get("tagging") or {}).get("tagProperty", "").rsplit("/", 1)[-1]
    return [
        p
        for p in info.schema.get("properties") or {}
        if p not in required
        and p not in info.ids
        and p not in info.read_only
        and p != tag
        and p != info.noun
        and len(_WORD.findall(p)) >= 2
    ]


def features_of(resource_type: str, entry: dict[str, Any]) -> dict[str, list[str]]:
    """Property -> the actions of `entry` (a cfn_types.json entry) that set it."""
    service = own_service(resource_type)
    found: dict[str, list[str]] = {}
    for prop in _optional(resource_type):
        actions = [
            a
            for op, verbs in (("create", SETS), ("update", SETS + UNSETS))
            for a in entry.get(op) or ()
            if a.partition(":")[0].lower() == service
            and _names_property(a, prop, verbs, type_info(resource_type).noun)
        ]
        if actions:
            found[prop] = sorted(set(actions))
    return found


def derive() -> dict[str, Any]:
    handler_types: dict[str, Any] = json.loads(references.HANDLER_DATA.read_text())["types"]
    dropped = json.loads(CURATED.read_text()).get("not_property_features", {})
    types: dict[str, Any] = {}
    for resource_type in sorted(all_types()):
        entry = handler_types.get(resource_type)
        if not entry or entry.get("handlers") is False:
            continue
        found = features_of(resource_type, entry)
        for prop in dropped.get(resource_type, {}):
            found.pop(prop, None)
        if found:
            types[resource_type] = {p: {"actions": a} for p, a in sorted(found.items())}
    return {
        "source": (
            f"cfn-lint {metadata.version('cfn-lint')} provider schemas (us-east-1): an action "
            "of the type's own service named for an optional property (see the deriver)"
        ),
        "types": types,
    }


def main() -> None:
    OUTPUT.write_text(json.dumps(derive(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

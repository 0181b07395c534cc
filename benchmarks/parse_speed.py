"""Benchmark: how fast the harvest reads a step's output, and how much memory it needs.

Each input is generated line by line and fed to a `DenialStream`, as the runner does while
a step runs. Every measurement runs in a fresh process, so its peak resident memory
(`ru_maxrss`, above the process after imports) is its own.

Run: `PYTHONPATH=. python benchmarks/parse_speed.py [--mb 8 50] [--kinds ...]`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "denials" / "cases.jsonl"
KINDS = ("corpus", "same-width", "short-lines", "random", "adversarial")


def corpus_lines() -> Iterator[str]:
    """Real messages from the corpus between runs of ordinary deploy progress lines."""
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    filler = ["Uploading artifacts...\n", "Updating Stack...\n", "Checking Stack progress...\n"]
    rng = random.Random(1)
    while True:
        yield rng.choice(texts) + "\n\n"
        yield from filler * 20


def same_width_lines() -> Iterator[str]:
    """Long runs of lines of one width (the case that was quadratic)."""
    index = 0
    while True:
        yield f"progress {index:012d} " + "x" * 58 + "\n"
        index += 1


def short_lines() -> Iterator[str]:
    index = 0
    while True:
        yield f"[{index}] ok\n"
        index += 1


def random_lines() -> Iterator[str]:
    """Random characters (a pool of lines made once, so making them is not measured)."""
    rng = random.Random(2)
    alphabet = "abcdefghijklmnopqrstuvwxyz:/-_ \"'<>ARN"
    pool = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 160))) + "\n"
        for _ in range(5000)
    ]
    return itertools.cycle(pool)


def adversarial_lines() -> Iterator[str]:
    unit = (
        "User: arn:aws:iam::1:user/x is not authorized to perform: s3:PutObject on resource: arn:"
    )
    while True:
        yield unit * 40 + "\n"


SOURCES = {
    "corpus": corpus_lines,
    "same-width": same_width_lines,
    "short-lines": short_lines,
    "random": random_lines,
    "adversarial": adversarial_lines,
}


def measure(kind: str, megabytes: float) -> dict[str, float | str | int]:
    """Feed `megabytes` of one kind of output to a stream; seconds, MB/s, peak memory."""
    from autofix.denials.parse import parse_denials
    from autofix.denials.stream import DenialStream

    parse_denials("An error occurred (AccessDenied) when calling the PutObject operation")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size, limit = 0, int(megabytes * 1_000_000)
    started = time.perf_counter()
    stream = DenialStream()
    for line in SOURCES[kind]():
        stream.feed(line)
        size += len(line)
        if size >= limit:
            break
    found = stream.close()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "kind": kind,
        "mb": size / 1e6,
        "seconds": seconds,
        "mb_per_s": size / 1e6 / seconds,
        "peak_mb": (peak - base) / 1024,
        "denials": len(found),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, nargs="+", default=[8.0, 50.0])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--one", nargs=2, metavar=("KIND", "MB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], float(args.one[1]))))
        return
    print(f"{'input':12s} {'MB':>6s} {'seconds':>8s} {'MB/s':>7s} {'peak MB':>8s} denials")
    for megabytes in args.mb:
        for kind in args.kinds:
            run = subprocess.run(
                [sys.executable, __file__, "--one", kind, str(megabytes)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(run.stdout)
            print(
                f"{r['kind']:12s} {r['mb']:6.1f} {r['seconds']:8.2f} {r['mb_per_s']:7.2f} "
                f"{r['peak_mb']:8.1f} {r['denials']}"
            )


if __name__ == "__main__":
    main()

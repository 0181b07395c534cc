"""Benchmark: how many MB/s `parse_denials` reads, on realistic and on adversarial text.

Run: `PYTHONPATH=. python benchmarks/parse_speed.py [--mb 10]`.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from autofix.denials.parse import parse_denials

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "denials" / "cases.jsonl"


def corpus_text(size: int) -> str:
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    filler = "Uploading artifacts...\nUpdating Stack...\nChecking Stack update progress...\n" * 20
    out: list[str] = []
    total = 0
    rng = random.Random(1)
    while total < size:
        piece = rng.choice(texts) + "\n\n" + filler
        out.append(piece)
        total += len(piece)
    return "".join(out)[:size]


def random_text(size: int) -> str:
    rng = random.Random(2)
    alphabet = "abcdefghijklmnopqrstuvwxyz:/-_ \n\"'<>" + "ARN"
    return "".join(rng.choice(alphabet) for _ in range(size))


def adversarial_text(size: int) -> str:
    unit = (
        "User: arn:aws:iam::1:user/x is not authorized to perform: s3:PutObject on resource: arn:"
    )
    return (unit * (size // len(unit) + 1))[:size]


def measure(name: str, text: str) -> None:
    start = time.perf_counter()
    found = parse_denials(text)
    seconds = time.perf_counter() - start
    mb = len(text.encode("utf-8")) / 1e6
    print(
        f"{name:12s} {mb:6.1f} MB  {seconds:6.2f} s  {mb / seconds:6.2f} MB/s  {len(found)} denials"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=10.0, help="size of each input in MB")
    size = int(parser.parse_args().mb * 1_000_000)
    parse_denials(
        "An error occurred (AccessDenied) when calling the PutObject operation"
    )  # index warm-up
    measure("corpus", corpus_text(size))
    measure("random", random_text(size))
    measure("adversarial", adversarial_text(size))


if __name__ == "__main__":
    main()

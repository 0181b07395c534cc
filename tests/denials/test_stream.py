"""The streaming reader: the same answer in any pieces, linear time, bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autofix.denials import stream as stream_module
from autofix.denials.parse import parse_denials
from autofix.denials.stream import DenialStream
from tests.denials.corpus import load_cases

ROOT = Path(__file__).resolve().parents[2]


def _block() -> str:
    return "\n\n".join(c.text for c in load_cases() if c.expected)


def _answer(denials: list) -> list[tuple]:  # type: ignore[type-arg]
    return [(d.action, d.resource, d.principal, d.deny) for d in denials]


def test_pieces_and_small_chunks_give_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _block()
    whole = _answer(parse_denials(text))
    monkeypatch.setattr(stream_module, "CHUNK", 3000)
    monkeypatch.setattr(stream_module, "RAW_BATCH", 500)
    stream = DenialStream()
    for start in range(0, len(text), 977):
        stream.feed(text[start : start + 977])
    assert _answer(stream.close()) == whole
    assert len(whole) > 100


_FIFTY_MB = """
import json, resource, sys, time
from autofix.denials.stream import DenialStream
from autofix.denials.parse import parse_denials
parse_denials("warm up: An error occurred (AccessDenied) when calling the PutObject operation")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
denial = ("An error occurred (AccessDenied) when calling the PutObject operation: User: "
          "arn:aws:iam::123456789012:user/d is not authorized to perform: s3:PutObject "
          "on resource: arn:aws:s3:::b/key-{}\\n")
line = "Serverless: Checking Stack update progress" + "." * 37 + "\\n"  # 80 columns
started = time.perf_counter()
stream = DenialStream()
size = 0
for i in range(625_000):
    text = denial.format(i) if i % 125_000 == 62_500 else line
    stream.feed(text)
    size += len(text)
found = stream.close()
print(json.dumps({"mb": size / 1e6, "seconds": time.perf_counter() - started,
                  "grew_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024,
                  "resources": [d.resource for d in found]}))
"""


def test_fifty_megabytes_in_seconds_and_bounded_memory() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _FIFTY_MB], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["mb"] >= 50
    assert result["resources"] == [
        f"arn:aws:s3:::b/key-{i}" for i in range(62_500, 625_000, 125_000)
    ]
    assert result["seconds"] < 60, result
    assert result["grew_mb"] < 40, result


def _hard_wrapped_messages(size: int) -> str:
    """A CLI error printed again and again, cut by an 80-column terminal: one long line of
    call frames and sentences once unwrapped (the input that was quadratic)."""
    message = (
        "An error occurred (AccessDenied) when calling the PutObject operation: User: "
        "arn:aws:iam::123456789012:user/d is not authorized to perform: s3:PutObject on "
        "resource: arn:aws:s3:::b/k "
    )
    flat = message * (size // len(message))
    return "\n".join(flat[i : i + 80] for i in range(0, len(flat), 80))


def _seconds(text: str) -> float:
    started = time.perf_counter()
    parse_denials(text)
    return time.perf_counter() - started


def test_time_is_linear_in_hard_wrapped_repeated_messages() -> None:
    small, large = _hard_wrapped_messages(250_000), _hard_wrapped_messages(1_000_000)
    t_small = min(_seconds(small) for _ in range(2))
    t_large = _seconds(large)
    assert t_large < 4 * 2.0 * t_small + 0.5, (t_small, t_large)

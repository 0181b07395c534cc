"""Any input parses without an exception, in time linear in its size."""

from __future__ import annotations

import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autofix.denials.parse import parse_denials

FRAGMENTS = [
    "User: ",
    "arn:",
    "arn:aws:iam::123456789012:user/x",
    " is not authorized to perform: ",
    "s3:PutObject",
    " on resource: ",
    "arn:aws:s3:::b/k",
    " because no ",
    " policy allows ",
    "with an explicit deny in a ",
    "service control policy",
    ": ",
    "API: s3:",
    "Access Denied",
    "An error occurred (AccessDenied) when calling the ",
    "PutObject",
    " operation: ",
    "operation error S3: PutObject, https response error StatusCode: 403, RequestID: x, ",
    "api error AccessDenied: ",
    "Call failed: getObject(",
    ") => ",
    "(code=AccessDenied)",
    "Encoded authorization failure message: ",
    "abcDEF-_",
    "<Message>",
    "</Message>",
    "<",
    '\\"',
    "\x1b[31m",
    "\n",
    " ",
    "-",
    "\t",
    'Error executing "PutObject" on "',
    '"',
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_parses(text: str) -> None:
    assert isinstance(parse_denials(text), list)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=200))
def test_message_fragments_parse(parts: list[str]) -> None:
    for denial in parse_denials("".join(parts)):
        assert denial.action is None or ":" in denial.action


def _adversarial(size: int, seed: int) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    total = 0
    while total < size:
        piece = rng.choice(FRAGMENTS) * rng.randint(1, 40)
        out.append(piece)
        total += len(piece)
    return "".join(out)[:size]


def _seconds(text: str) -> float:
    start = time.perf_counter()
    parse_denials(text)
    return time.perf_counter() - start


def test_linear_time_on_adversarial_input() -> None:
    parse_denials("warm-up: An error occurred (AccessDenied) when calling the PutObject operation")
    small = _adversarial(250_000, 1)
    large = _adversarial(1_000_000, 1)
    t_small = min(_seconds(small) for _ in range(2))
    t_large = _seconds(large)
    assert t_large < 10.0
    assert t_large < 4 * 3.0 * t_small + 0.5, (t_small, t_large)


def test_long_runs_without_separators() -> None:
    for run in (
        "arn:" * 250_000,
        "a" * 1_000_000,
        " " * 1_000_000,
        "<" * 500_000,
        "is not authorized to perform: " * 30_000,
    ):
        start = time.perf_counter()
        parse_denials(run)
        assert time.perf_counter() - start < 5.0


def test_random_bytes_megabyte() -> None:
    rng = random.Random(7)
    text = "".join(chr(rng.randint(0, 0x2FF)) for _ in range(1_000_000))
    start = time.perf_counter()
    parse_denials(text)
    assert time.perf_counter() - start < 5.0


_SENTENCE = (
    "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: s3:GetObject "
    "on resource: arn:aws:s3:::b/k because no identity-based policy allows "
    "the s3:GetObject action. "
)


def test_a_line_longer_than_a_block_cuts_no_name_in_two() -> None:
    """One 2 MB line (a block is 256 KB): every denial read whole, none a truncated name
    (cut mid-token, it read as `s3:GetObjec`, or as s3:GetObject on no resource)."""
    denials = parse_denials(_SENTENCE * (2_000_000 // len(_SENTENCE)))
    assert [(d.action, d.resource, d.fixable) for d in denials] == [
        ("s3:GetObject", "arn:aws:s3:::b/k", True)
    ]


def test_a_line_with_no_delimiter_yields_nothing_fixable_but_whole_names() -> None:
    """No space or quote to cut at: whatever is read names a catalogued action, or is unfixable."""
    glued = _SENTENCE.replace(" ", "")
    denials = parse_denials(glued * (1_000_000 // len(glued)))
    assert all(d.action_known for d in denials if d.fixable)
    assert {d.action for d in denials if d.fixable} <= {"s3:GetObject"}

"""A picture of the run as inline SVG: one lane per step, each attempt where it ran in time.

An attempt is a bar from its start to its end (red: it failed, green: it succeeded); the bar
above it is how many actions its denials added. The verify pass has its own lane. Ledgers
without attempt timestamps are laid out attempt after attempt. This module lays it out;
`templates/run_chart.svg.j2` draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autofix.report import text
from autofix.report.jinja import environment
from autofix.report.model import AttemptRecord, RunRecord

WIDTH = 1000
LABEL = 190
LANE = 46
TOP = 8
AXIS = 26
BAR = 12
FOUND_MAX = 20


@dataclass(frozen=True)
class _Span:
    start: float
    seconds: float


def run_chart(run: RunRecord) -> str:
    """The SVG picture of the run, or an empty string when no attempt was recorded."""
    spans = _spans(run)
    if not spans:
        return ""
    verify = run.verify
    verify_span = None
    if verify is not None and verify.started_at is not None:
        verify_span = _Span(verify.started_at, verify.seconds or 0.0)
    ends = [s.start + s.seconds for s in spans.values()]
    if verify_span:
        ends.append(verify_span.start + verify_span.seconds)
    total = max(max(ends), 1.0)
    lanes = len(run.steps) + (1 if verify_span else 0)
    plot = WIDTH - LABEL - 10
    most = max((len(a.found) for s in run.steps for a in s.attempt_log), default=0) or 1

    def x(at: float) -> float:
        return LABEL + plot * at / total

    chart: dict[str, Any] = {
        "width": WIDTH,
        "height": TOP + lanes * LANE + AXIS,
        "top": TOP,
        "bar": BAR,
        "label_x": LABEL - 10,
        "plot_left": LABEL,
        "plot_right": LABEL + plot,
        "axis_y": TOP + lanes * LANE,
        "lanes": [],
        "verify": None,
        "ticks": _ticks(total, x),
    }
    for lane, step in enumerate(run.steps):
        base = TOP + lane * LANE + LANE - 14
        attempts = [
            _attempt(attempt, span, x, base, most, step.name)
            for attempt in step.attempt_log
            if (span := spans.get((lane, attempt.number))) is not None
        ]
        chart["lanes"].append(
            {
                "name": _short(step.name),
                "text_y": base + BAR - 2,
                "line_y": base + BAR,
                "attempts": attempts,
            }
        )
    if verify_span and verify is not None:
        base = TOP + len(run.steps) * LANE + LANE - 14
        state = "verify-ok" if verify.ok else "verify-failed" if verify.ok is False else "verify"
        left, width = x(verify_span.start), max(plot * verify_span.seconds / total, 3.0)
        chart["verify"] = {
            "state": state,
            "label": {"verify-ok": "verify ✓", "verify-failed": "verify ✗"}.get(state, "verify"),
            "text_y": base + BAR - 2,
            "line_y": base + BAR,
            "base": base,
            "left": f"{left:.1f}",
            "width": f"{width:.1f}",
            "seconds": text.seconds(verify.seconds),
            "pruned": f", pruned {', '.join(verify.pruned)}" if verify.pruned else "",
        }
    return environment().get_template("run_chart.svg.j2").render(chart=chart).rstrip("\n")


def _attempt(
    attempt: AttemptRecord,
    span: _Span,
    x: Callable[[float], float],
    base: float,
    most: int,
    step: str,
) -> dict[str, Any]:
    left = x(span.start)
    found = len(attempt.found)
    what = ", ".join(attempt.found) if found else "no new action"
    code = text.DASH if attempt.exit_code is None else str(attempt.exit_code)
    tall = max(FOUND_MAX * found / most, 3.0) if found else 0.0
    return {
        "tip": f"{step}, attempt {attempt.number}: exit {code} after "
        f"{text.seconds(attempt.seconds)}; {found} found: {what}",
        "state": "ok" if attempt.exit_code == 0 else "failed" if attempt.exit_code else "unknown",
        "left": f"{left:.1f}",
        "base": base,
        "width": f"{max(x(span.start + span.seconds) - left, 2.0):.1f}",
        "found_top": f"{base - 2 - tall:.1f}" if found else None,
        "found_height": f"{tall:.1f}",
    }


def _ticks(total: float, x: Callable[[float], float]) -> list[dict[str, str]]:
    step = next(s for s in (10, 30, 60, 120, 300, 600, 1800, 3600, 1e9) if total / s <= 8)
    ticks = []
    tick = 0.0
    while tick <= total:
        label = f"{tick:.0f} s" if step < 60 else f"{tick / 60:.0f} min"
        ticks.append({"x": f"{x(tick):.1f}", "label": label})
        tick += step
    return ticks


def _spans(run: RunRecord) -> dict[tuple[int, int], _Span]:
    """(lane, attempt) -> where it ran; laid end to end when the ledger has no timestamps."""
    spans: dict[tuple[int, int], _Span] = {}
    clock = 0.0
    timed = all(a.started_at is not None for s in run.steps for a in s.attempt_log)
    for lane, step in enumerate(run.steps):
        for attempt in step.attempt_log:
            seconds = attempt.seconds or 0.0
            start = attempt.started_at if timed and attempt.started_at is not None else clock
            spans[(lane, attempt.number)] = _Span(start, seconds)
            clock = start + seconds
    return spans


def _short(name: str) -> str:
    return name if len(name) <= 24 else name[:23] + "…"

"""A picture of the run as inline SVG: one lane per step, each attempt where it ran in time.

An attempt is a bar from its start to its end (red: it failed, green: it succeeded); the bar
above it is how many actions its denials added. The verify pass has its own lane. Ledgers
without attempt timestamps are laid out attempt after attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from autofix.report import text
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
    height = TOP + lanes * LANE + AXIS
    plot = WIDTH - LABEL - 10
    most = max((len(a.found) for s in run.steps for a in s.attempt_log), default=0) or 1

    def x(at: float) -> float:
        return LABEL + plot * at / total

    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="chart-title">Attempts over time per step, and the actions each found</title>',
    ]
    for lane, step in enumerate(run.steps):
        base = TOP + lane * LANE + LANE - 14
        out.append(
            f'<text class="lane" x="{LABEL - 10}" y="{base + BAR - 2}" text-anchor="end">'
            f"{_e(_short(step.name))}</text>"
        )
        out.append(
            f'<line class="grid" x1="{LABEL}" x2="{LABEL + plot}" y1="{base + BAR}" '
            f'y2="{base + BAR}"/>'
        )
        for attempt in step.attempt_log:
            span = spans.get((lane, attempt.number))
            if span is None:
                continue
            out.append(_attempt(attempt, span, x, base, most, step.name))
    if verify_span and verify is not None:
        base = TOP + len(run.steps) * LANE + LANE - 14
        state = "verify-ok" if verify.ok else "verify-failed" if verify.ok is False else "verify"
        label = {"verify-ok": "verify ✓", "verify-failed": "verify ✗"}.get(state, "verify")
        left, width = x(verify_span.start), max(plot * verify_span.seconds / total, 3.0)
        pruned = f", pruned {', '.join(verify.pruned)}" if verify.pruned else ""
        out += [
            f'<text class="lane" x="{LABEL - 10}" y="{base + BAR - 2}" text-anchor="end">'
            f"{_e(label)}</text>",
            f'<line class="mark" x1="{left:.1f}" x2="{left:.1f}" y1="{TOP}" y2="{base + BAR}"/>',
            f'<rect class="{state}" x="{left:.1f}" y="{base}" width="{width:.1f}" '
            f'height="{BAR}"><title>verify pass: {_e(label)} in '
            f"{_e(text.seconds(verify.seconds))}{_e(pruned)}</title></rect>",
        ]
    out += _axis(total, x, TOP + lanes * LANE)
    out.append("</svg>")
    return "\n".join(out)


def _attempt(
    attempt: AttemptRecord,
    span: _Span,
    x: Callable[[float], float],
    base: float,
    most: int,
    step: str,
) -> str:
    left = x(span.start)
    width = max(x(span.start + span.seconds) - left, 2.0)
    state = "ok" if attempt.exit_code == 0 else "failed" if attempt.exit_code else "unknown"
    found = len(attempt.found)
    what = ", ".join(attempt.found) if found else "no new action"
    code = text.DASH if attempt.exit_code is None else str(attempt.exit_code)
    tip = (
        f"{step}, attempt {attempt.number}: exit {code} after {text.seconds(attempt.seconds)};"
        f" {found} found: {what}"
    )
    parts = [
        f'<g class="attempt"><title>{_e(tip)}</title>',
        f'<rect class="{state}" x="{left:.1f}" y="{base}" width="{width:.1f}" height="{BAR}"/>',
    ]
    if found:
        tall = max(FOUND_MAX * found / most, 3.0)
        parts.append(
            f'<rect class="found" x="{left:.1f}" y="{base - 2 - tall:.1f}" '
            f'width="{width:.1f}" height="{tall:.1f}"/>'
        )
    parts.append("</g>")
    return "".join(parts)


def _axis(total: float, x: Callable[[float], float], y: float) -> list[str]:
    step = next(s for s in (10, 30, 60, 120, 300, 600, 1800, 3600, 1e9) if total / s <= 8)
    out = []
    tick = 0.0
    while tick <= total:
        at = x(tick)
        label = f"{tick:.0f} s" if step < 60 else f"{tick / 60:.0f} min"
        out.append(f'<line class="tick" x1="{at:.1f}" x2="{at:.1f}" y1="{y}" y2="{y + 5}"/>')
        out.append(
            f'<text class="axis" x="{at:.1f}" y="{y + 18}" text-anchor="middle">{label}</text>'
        )
        tick += step
    return out


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


def _e(value: str) -> str:
    return escape(value, quote=True)

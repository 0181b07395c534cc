"""Denials printed by the step itself (stdout and stderr)."""

from __future__ import annotations

from autofix.denials.model import Denial, Source
from autofix.denials.parse import parse_denials
from autofix.denials.stream import DenialStream
from autofix.step.runner import StepResult


def from_output(result: StepResult) -> list[Denial]:
    """Every denial in the step's output, tagged with the `output` channel.

    The runner fed each stream to a `DenialStream` while the step ran (the whole output,
    in bounded memory); without those readers the kept output is read instead. A bare
    `Access Denied` counts only when neither stream holds anything better.
    """
    streams = [r for r in result.readers.values() if isinstance(r, DenialStream)]
    if not streams:
        return [d.with_source(Source.OUTPUT) for d in parse_denials(result.output)]
    unique: dict[tuple[str | None, str | None, str | None], Denial] = {}
    for stream in streams:
        for denial in stream.close(fallback=False):
            unique.setdefault(denial.key, denial)
    if not unique:
        fallback = next((s.fallback_denial for s in streams if s.fallback_denial), None)
        return [fallback.with_source(Source.OUTPUT)] if fallback is not None else []
    return [d.with_source(Source.OUTPUT) for d in unique.values()]

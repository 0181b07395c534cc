"""Turn free text (command output, stack event reasons) into Denial records."""

from __future__ import annotations

from autofix.denials.model import Denial
from autofix.denials.stream import DenialStream


def parse_denials(text: str) -> list[Denial]:
    """Every denial in `text`, in order of appearance, without duplicates."""
    stream = DenialStream()
    stream.feed(text)
    return stream.close()

"""Read denials from text of any size as it arrives, in bounded memory and linear time.

Raw text goes through the streaming `Normaliser`; the normalised text is read in chunks
of `CHUNK` characters. Each chunk keeps `MARGIN` characters of the one before it, and a
denial is taken from a chunk only when its evidence starts where the chunk has the full
margin on both sides, so every message is read once, whole, with all the context the
readers look at (they look at most a few thousand characters around a match).
"""

from __future__ import annotations

from autofix.denials.forms import Found
from autofix.denials.model import Denial
from autofix.denials.normalise import Normaliser, squeeze_spaces
from autofix.denials.scan import first_region, generic_denial, not_permission, scan

CHUNK = 1 << 18
RAW_BATCH = 1 << 16
MARGIN = 8000


class DenialStream:
    """Feed text (any pieces, any size); `close()` returns every denial, de-duplicated."""

    def __init__(self) -> None:
        self._normaliser = Normaliser()
        self._buffer: list[str] = []
        self._size = 0
        self._offset = 0  # normalised characters dropped before the buffer
        self._accepted = 0  # normalised position up to which evidence was read
        self._region: str | None = None
        self._unique: dict[tuple[str | None, str | None, str | None], Denial] = {}
        self._generic: Found | None = None
        self._credentials = False
        self._raw: list[str] = []
        self._raw_size = 0
        self._closed = False

    def feed(self, text: str) -> None:
        """Take more of the output (a line, or any piece of it)."""
        self._raw.append(text)
        self._raw_size += len(text)
        if self._raw_size >= RAW_BATCH:
            raw, self._raw, self._raw_size = "".join(self._raw), [], 0
            self._push(self._normaliser.feed(raw))

    def close(self, fallback: bool = True) -> list[Denial]:
        """Every denial read, in order of appearance; the stream takes no more text.

        With `fallback`, a bare `Access Denied` gives one denial without an action when
        nothing better was read (see `fallback_denial` to decide that across streams).
        """
        if not self._closed:
            raw, self._raw, self._raw_size = "".join(self._raw), [], 0
            self._push(self._normaliser.feed(raw))
            self._push(self._normaliser.close())
            self._read(final=True)
            self._closed = True
        if fallback and not self._unique and self.fallback_denial is not None:
            return [self.fallback_denial]
        return _without_shadows(list(self._unique.values()))

    @property
    def fallback_denial(self) -> Denial | None:
        """The bare `Access Denied` seen, unless the text shows a credentials failure."""
        if self._generic is None or self._credentials:
            return None
        return self._generic.denial

    def _push(self, flat: str) -> None:
        for start in range(0, len(flat), CHUNK):  # one read per chunk, however much arrives
            piece = flat[start : start + CHUNK]
            self._buffer.append(piece)
            self._size += len(piece)
            if self._size >= CHUNK + 2 * MARGIN:
                self._read(final=False)

    def _read(self, final: bool) -> None:
        text = squeeze_spaces("".join(self._buffer))
        start = self._accepted - self._offset
        end = len(text) if final else len(text) - MARGIN
        self._credentials = self._credentials or not_permission(text)
        found = scan(text, self._region)
        if found and self._region is None:  # the region is only a hint for resolving
            self._region = first_region(text)
            found = scan(text, self._region) if self._region else found
        for item in found:
            if start <= item.position < end:
                self._unique.setdefault(item.denial.key, item.denial)
        if self._generic is None:
            generic = generic_denial(text[start:end])
            self._generic = generic
        keep_from = max(0, end - MARGIN)
        self._buffer = [text[keep_from:]]
        self._size = len(text) - keep_from
        self._offset += keep_from
        self._accepted = self._offset + (end - keep_from)


def _without_shadows(denials: list[Denial]) -> list[Denial]:
    """Drop a sighting that names neither resource nor principal beside one that does.

    A call frame (`deserializeAws_queryDescribeStacksCommandError`) and the IAM sentence it
    carries describe one denial; the sentence names the resource.
    """
    named = {d.key[0] for d in denials if d.resource is not None or d.principal is not None}
    return [
        d
        for d in denials
        if d.resource is not None or d.principal is not None or d.key[0] not in named
    ]

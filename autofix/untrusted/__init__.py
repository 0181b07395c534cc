"""Text a step printed is untrusted: `clean` it before it is shown, kept or reported.

A compromised build script can print terminal control sequences (an OSC that retitles the
window or writes a hyperlink, a CSI that moves the cursor over earlier lines, a carriage
return that hides what came before) and can print the secrets in its environment (`env`).
`clean` strips every control sequence but line breaks and tabs, and masks secrets: the
values autofix itself handed out or holds (`remember`), the values of the variables and
fields that carry AWS secrets and session tokens, and anything shaped like a secret key
on a line that also holds an access key id.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["MASK", "clean", "clean_fields", "remember", "strip_controls"]

MASK = "****"

_CONTROLS = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... (BEL or ST), unterminated to the end
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI (colours, cursor moves, erases)
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # the same, as one C1 character
    r"|\x1b[ -/]*[0-~]?"  # any other escape (charset switches, resets, ...)
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # C0 and C1 controls but \t \n \r, and DEL
    r"|[\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidirectional overrides
)
_CARRIAGE_RETURN = re.compile(r"\r\n?")

_SECRET_NAME = (
    r"(?:AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_SECURITY_TOKEN|aws_secret_access_key"
    r"|aws_session_token|aws_security_token|SecretAccessKey|SessionToken|secretAccessKey"
    r"|sessionToken|secret_access_key|session_token)"
)
_NAMED_SECRET = re.compile(
    rf"(?P<name>{_SECRET_NAME}[\"']?\s*[:=]\s*[\"']?)(?P<value>[A-Za-z0-9/+=]{{8,}})"
)
_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}(?![A-Z0-9])")
_SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")

_known: set[str] = set()
_lock = threading.Lock()


def remember(*secrets: str | None) -> None:
    """Mask these values wherever they show up from now on (a secret key, a session token)."""
    with _lock:
        _known.update(s for s in secrets if s and len(s) >= 8)


def strip_controls(text: str) -> str:
    """`text` without terminal control sequences; a carriage return becomes a line break."""
    return _CONTROLS.sub("", _CARRIAGE_RETURN.sub("\n", text))


def _mask_secrets(text: str) -> str:
    for secret in tuple(_known):
        if secret in text:
            text = text.replace(secret, MASK)
    text = _NAMED_SECRET.sub(lambda m: m.group("name") + MASK, text)
    if _KEY_ID.search(text):
        text = "\n".join(
            _SECRET_SHAPE.sub(MASK, line) if _KEY_ID.search(line) else line
            for line in text.split("\n")
        )
    return text


def clean(text: str) -> str:
    """`text` safe to show and keep: no control sequence, no secret."""
    return _mask_secrets(strip_controls(text))


def clean_fields(value: Any) -> Any:
    """`clean` applied to every string inside `value` (dicts, lists, tuples)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {k: clean_fields(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [clean_fields(v) for v in value]
    return value

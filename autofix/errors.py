"""Errors the CLI turns into one-line messages, the documented exit codes, and exiting."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from enum import IntEnum

__all__ = ["AutofixError", "ConfigError", "ExitCode", "SafetyRefusal", "exit_at_once"]


class ExitCode(IntEnum):
    """What `run`, `check` and the other commands exit with."""

    OK = 0
    """Every step succeeded."""
    FAILED = 1
    """A step could not be made to succeed (the reason is printed)."""
    USAGE = 2
    """A usage or configuration error."""
    REFUSED = 3
    """Refused by a safety guard."""


class AutofixError(Exception):
    """Base: a problem the user can act on; `exit_code` is what the CLI returns."""

    exit_code: int = ExitCode.FAILED


class ConfigError(AutofixError):
    """Usage or configuration error (exit 2)."""

    exit_code = ExitCode.USAGE


class SafetyRefusal(AutofixError):
    """Refused by a safety guard (exit 3)."""

    exit_code = ExitCode.REFUSED


def exit_at_once(code: int) -> None:
    """Exit with `code` now, the standard streams and logging flushed first.

    With moto or the frameworks' models loaded, Python's teardown alone costs most of a
    CPU-second: seconds of wall time on a loaded machine after the work is done.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)

"""Errors the CLI turns into one-line messages and the documented exit codes."""

from __future__ import annotations


class AutofixError(Exception):
    """Base: a problem the user can act on; `exit_code` is what the CLI returns."""

    exit_code = 1


class ConfigError(AutofixError):
    """Usage or configuration error (exit 2)."""

    exit_code = 2


class SafetyRefusal(AutofixError):
    """Refused by a safety guard (exit 3)."""

    exit_code = 3

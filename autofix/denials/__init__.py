"""Denial records and the parser that finds them in text."""

from autofix.denials.model import Denial, DenyKind

__all__ = ["Denial", "DenyKind"]

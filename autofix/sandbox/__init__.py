"""The embedded sandbox account: a moto server with IAM enforced.

Its packages come with the `sandbox` extra; a user who only targets a real account has
none of them, and everything outside this package imports and runs without them.
"""

from __future__ import annotations

import importlib.util

from autofix.errors import ConfigError

__all__ = ["DEFAULT_ACCOUNT_ID", "DISTRIBUTION", "EXTRA", "require_sandbox_extra"]

DEFAULT_ACCOUNT_ID = "123456789012"
"""The embedded sandbox's account id (AWS's documentation example id), unless configured."""
DISTRIBUTION = "autofix-iam"
EXTRA = "sandbox"
_NEEDED = ("moto", "flask", "werkzeug")  # moto[server], as the extra pins it


def require_sandbox_extra() -> None:
    """Raise a one-line ConfigError (exit 2) naming the extra when its packages are missing."""
    missing = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f'the embedded sandbox (sandbox.kind = "local") needs the {EXTRA} extra, '
            f"which is not installed (no {', '.join(missing)}): "
            f"pip install '{DISTRIBUTION}[{EXTRA}]', or set sandbox.kind = \"aws\""
        )

"""`autofix sandbox`: the embedded sandbox account in the foreground, for your own shell."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from autofix.sandbox import DEFAULT_ACCOUNT_ID, require_sandbox_extra

__all__ = ["serve_foreground"]


def serve_foreground(region: str, deny_log: Path | None, echo: Callable[[str], None]) -> None:
    """Start the sandbox, print the lines that point a shell at it, serve until Ctrl-C."""
    from autofix.errors import exit_at_once
    from autofix.sandbox.server import SandboxInfo, serve

    require_sandbox_extra()
    stop = threading.Event()

    def ready(info: SandboxInfo) -> None:
        echo("# embedded sandbox ready: paste these lines into another shell")
        echo(f"export AWS_ENDPOINT_URL={info.endpoint}")
        echo(f"export AWS_ACCESS_KEY_ID={info.operator.access_key_id}")
        echo(f"export AWS_SECRET_ACCESS_KEY={info.operator.secret_access_key}")
        echo(f"export AWS_REGION={info.region} AWS_DEFAULT_REGION={info.region}")
        echo(f"# account {info.account_id}; these are the operator's (admin) keys.")
        echo("# Ctrl-C stops the sandbox; its state is not kept.")

    try:
        serve(0, region, DEFAULT_ACCOUNT_ID, deny_log, ready, stop)
    except KeyboardInterrupt:  # `serve` has stopped the server: nothing else to keep
        stop.set()
        exit_at_once(0)

"""A sandbox plugin for tests: the random part of generated names, chosen by the environment.

Loaded with `plugins=("tests.support.name_knobs",)` (or `[sandbox] plugins`); reads, in the
sandbox server process:
    AUTOFIX_TEST_NAME_SUFFIX=letters|digits|mixed   the random part's alphabet
    AUTOFIX_TEST_NAME_SEED=N                        a reproducible sequence of random parts
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from autofix.sandbox.fidelity import names

SUFFIX_ENV = "AUTOFIX_TEST_NAME_SUFFIX"
SEED_ENV = "AUTOFIX_TEST_NAME_SEED"
PLUGIN = __name__
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def tails_from(environ: dict[str, str] | os._Environ[str]) -> names.Tails:
    kind = environ.get(SUFFIX_ENV, "mixed")
    seed = environ.get(SEED_ENV)
    try:
        return names.Tails(kind, int(seed) if seed else None)
    except ValueError as exc:
        raise ValueError(f"{SUFFIX_ENV}: {exc}") from None


def install(app: WsgiApp, account_id: str, region: str) -> WsgiApp:
    names.install(tails_from(os.environ))
    return app

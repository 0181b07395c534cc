"""Whether a run's policy is replayed in a fresh account, and the replay's own environment."""

from __future__ import annotations

from collections.abc import Mapping

from autofix.config import Config

__all__ = ["unverified_reason", "verify_environment"]


def unverified_reason(config: Config, verify: bool) -> str | None:
    """Why this run's policy will not be replayed in a fresh account (None: it will be)."""
    if not verify:
        return "skipped (--no-verify)"
    if config.sandbox.kind != "local" and not config.verify.env:
        return (
            "skipped (a real account has no fresh account to replay in: set [verify] env "
            "to give the replay fresh stack names)"
        )
    return None


def verify_environment(env: Mapping[str, str], replay_id: str) -> dict[str, str]:
    """`[verify] env` for one replay: `{run}` becomes the replay's own id."""
    return {key: value.replace("{run}", replay_id) for key, value in env.items()}

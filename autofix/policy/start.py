"""The policy a run starts from (or `check` replays): read, filled in, and guarded."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from autofix.errors import ConfigError, SafetyRefusal
from autofix.policy.document import PolicyDocument, PolicyError
from autofix.policy.guard import check_document, never_granted_in
from autofix.policy.render import fill_placeholders
from autofix.policy.scope import Mode

__all__ = ["load_start_policy", "scope_mode"]


def load_start_policy(path: Path | None, account_id: str, region: str) -> PolicyDocument:
    """The user's start policy, validated (file, line, what is wrong).

    Portable placeholders (`<account_no>`, `${AWS::AccountId}`, ...) are filled in
    with the account and region the steps run in.
    """
    if path is None:
        return PolicyDocument()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the policy: {exc}") from None
    with contextlib.suppress(ValueError):  # malformed JSON is reported just below
        refused = never_granted_in(json.loads(text))
        if refused:
            raise SafetyRefusal(
                f"{path}: {', '.join(dict.fromkeys(refused))} is never granted "
                "(the safety guard refuses *, *:*, iam:* and sts:*); "
                "list the actions the deploy needs instead"
            )
    try:
        doc = PolicyDocument.loads(
            fill_placeholders(text, account_id, region), str(path), check_actions=True
        )
    except PolicyError as exc:
        raise ConfigError(str(exc)) from None
    refusals = [r for r in check_document(doc, None).refusals if not r.overridable]
    if refusals:
        first = refusals[0]
        raise SafetyRefusal(
            f"{path}: {first.action} on {first.resource}: {first.message}"
            + (f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else "")
        )
    return doc


def scope_mode(scope: str) -> Mode:
    """`--scope` or `policy.scope` as a scope mode (a one-line error for anything else)."""
    if scope not in ("resource", "service", "any"):
        raise ConfigError(f"--scope: {scope!r} is not one of resource, service, any")
    return scope  # type: ignore[return-value]

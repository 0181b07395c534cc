"""Patches that make moto deny like a real AWS account (installed in the server process).

Each module mends one behaviour of moto 5.2.5 (pinned; see tests/sandbox):
`signing` (body-less requests), `actions` and `s3_operations` (real IAM action
names), `resources` (real resource ARNs), `authz` (the decision, reusable:
`authorize(account_id, access_key_id, action, resource) -> Decision`),
`envelopes` (AccessDenied per protocol), `deny_log` (JSON-lines record of every
denial) and `enforcement` (wires them into moto's request path), and `cloudformation*`
(stack resources created, updated and deleted with the caller's permissions,
with real events and rollbacks), and `encoded` (EC2's encoded authorization failure
messages and sts:DecodeAuthorizationMessage).
"""

from __future__ import annotations

from pathlib import Path

PINNED_MOTO_VERSION = "5.2.5"


def install(deny_log: Path | None = None) -> None:
    """Install every fidelity patch. Safe to call once per process."""
    from autofix.sandbox.fidelity import (
        access_log,
        cloudformation,
        cloudformation_engine,
        encoded,
        enforcement,
        rehearsal,
        signing,
    )
    from autofix.sandbox.fidelity.deny_log import DenyLogWriter

    access_log.configure(deny_log.with_name("sandbox-access.jsonl") if deny_log else None)
    signing.install()
    enforcement.install(DenyLogWriter(deny_log) if deny_log else None)
    encoded.install()  # after enforcement: EC2 denials encoded, sts:DecodeAuthorizationMessage
    cloudformation.install()
    cloudformation_engine.install_change_sets_and_recovery()  # transforms, ContinueUpdateRollback
    rehearsal.install()  # an unchanged template still updates while a rehearsal runs

"""Patches that make moto deny like a real AWS account (installed in the server process).

Each module mends one behaviour of moto 5.2.5 (pinned; see tests/sandbox): `signing`
(body-less requests), `actions` and `s3_operations` (real IAM action names), `resources`
(real resource ARNs), `authz` (the decision, reusable: `authorize(account_id,
access_key_id, action, resource) -> Decision`), `envelopes` (AccessDenied per protocol)
and `enforcement` (wires them into moto's request path), `encoded` (EC2's encoded
authorization failure messages and sts:DecodeAuthorizationMessage), `names` (physical
names as CloudFormation makes them, per type; a type moto lacks keeps its explicit name),
`propagation` (policy changes honoured after a delay, when asked), `policy_documents`
(a region in the S3 ARNs that have one, as IAM takes them), `rehearsal` (updates
as a change set makes them; the operator's rehearsal switch) and `trail` (CloudTrail's
LookupEvents from the deny log).
CloudFormation's stacks, created, updated and deleted with the caller's permissions, are
`autofix.sandbox.cloudformation` (`registry.PATCHES` lists every patch); the records the
sandbox writes (deny log, access log, coverage) are `autofix.sandbox.records`.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PINNED_MOTO_VERSION", "install"]

PINNED_MOTO_VERSION = "5.2.5"


def install(deny_log: Path | None = None) -> None:
    """Install every fidelity patch. Safe to call once per process."""
    from autofix.sandbox.cloudformation import registry as cloudformation
    from autofix.sandbox.cloudformation import stack_reads
    from autofix.sandbox.fidelity import (
        encoded,
        enforcement,
        names,
        policy_documents,
        signing,
        trail,
    )
    from autofix.sandbox.records import (
        SandboxRecords,
        access_log,
        coverage_log,
        unverified_log,
    )
    from autofix.sandbox.records.deny_log import DenyLogWriter

    records = SandboxRecords.beside(deny_log) if deny_log else None
    access_log.configure(records.access if records else None)
    unverified_log.configure(records.unverified if records else None)
    coverage_log.configure(records.coverage if records else None)
    signing.install()
    soft = deny_log is not None and os.environ.get("AUTOFIX_SANDBOX_SOFT") == "1"
    enforcement.install(
        DenyLogWriter(deny_log) if deny_log else None,
        DenyLogWriter(records.soft_denials) if soft and records else None,
    )
    encoded.install()  # after enforcement: EC2 denials encoded, sts:DecodeAuthorizationMessage
    cloudformation.install()
    names.install()  # generated names as CloudFormation builds them
    policy_documents.install()  # a region in the S3 ARNs that have one
    stack_reads.install()  # reading a stack's resources creates none
    trail.install(deny_log)  # cloudtrail:LookupEvents answers from the deny log

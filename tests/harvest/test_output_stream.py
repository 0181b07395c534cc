"""A step's output is harvested while it runs: whole, in bounded memory, within the timeout."""

from __future__ import annotations

import os
import time
from pathlib import Path

from autofix.config import Step
from autofix.harvest.output import from_output
from autofix.step.runner import TAIL_CHARS, run_step

EARLY = (
    "An error occurred (AccessDenied) when calling the GetObject operation: User: "
    "arn:aws:iam::123456789012:user/d is not authorized to perform: s3:GetObject on "
    "resource: arn:aws:s3:::early/key"
)
LATE = "API: s3:SetBucketEncryption Access Denied"


def _env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def test_a_denial_before_the_kept_tail_is_still_harvested(tmp_path: Path) -> None:
    lines = TAIL_CHARS // 40 + 20_000
    script = (
        f"echo '{EARLY}'; yes 'Uploading artifacts to the bucket . . . .' | head -n {lines}; "
        f"echo '{LATE}' >&2; exit 1"
    )
    result = run_step(Step("big", script, cwd=tmp_path, timeout=120), _env())
    assert result.exit_code == 1
    assert result.dropped > 0
    assert len(result.stdout) <= TAIL_CHARS + 100
    assert EARLY not in result.stdout
    found = {(d.action, d.resource) for d in from_output(result)}
    assert found == {
        ("s3:GetObject", "arn:aws:s3:::early/key"),
        ("s3:PutEncryptionConfiguration", None),
    }


def test_the_step_timeout_covers_the_harvest(tmp_path: Path) -> None:
    script = f"echo '{EARLY}'; yes 'User: x is not authorized to perform: s3:ListBucket on'"
    started = time.monotonic()
    result = run_step(Step("endless", script, cwd=tmp_path, timeout=3), _env())
    assert result.timed_out
    assert time.monotonic() - started < 30
    assert len(result.stdout) <= TAIL_CHARS + 100
    assert ("s3:GetObject", "arn:aws:s3:::early/key") in {
        (d.action, d.resource) for d in from_output(result)
    }

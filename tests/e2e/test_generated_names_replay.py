"""Issue 13: a deployment bucket whose generated suffix is letters only still replays.

The sandbox is told (test-only, autofix/sandbox/fidelity/names.py) to give generated
names a random part of letters only, which the suffix regex does not recognise. The
final policy must hold no physical suffix, and its verify pass (a fresh sandbox, a
new suffix) must succeed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autofix.records.events import DenialFound, GrantAdded
from tests.conftest import AWS, ledger_events, read_json, run_autofix, write_config
from tests.support.name_knobs import PLUGIN, SUFFIX_ENV

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ServerlessDeploymentBucket:
    Type: AWS::S3::Bucket
"""


def test_letters_only_bucket_suffix_is_generalised_and_replays(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "artifact.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    bucket = (
        f"{AWS} cloudformation describe-stack-resource --stack-name svc-dev"
        " --logical-resource-id ServerlessDeploymentBucket"
        " --query StackResourceDetail.PhysicalResourceId --output text"
    )
    config = write_config(
        tmp_path,
        f"""
        [sandbox]
        plugins = ["{PLUGIN}"]
        [[steps]]
        name = "deploy"
        run = "{AWS} cloudformation deploy --stack-name svc-dev --template-file template.yaml"
        timeout = 300
        [[steps]]
        name = "upload"
        run = "b=$({bucket}) && {AWS} s3 cp artifact.zip s3://$b/serverless/svc/dev/artifact.zip"
        timeout = 300
        """,
    )
    result = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--config",
        str(config),
        timeout=900,
        env={SUFFIX_ENV: "letters"},
    )
    out = tmp_path / ".autofix"
    assert result.exit_code == 0, result.output[-3000:]
    # the run's own bucket had a letters-only suffix ...
    events = ledger_events(out / "ledger.jsonl")
    denied = [
        e.resource for e in events if isinstance(e, DenialFound) and e.action == "s3:PutObject"
    ]
    assert denied, "the upload was never denied s3:PutObject"
    suffix = re.search(r"serverlessdeploymentbucket-([a-z]+)/", denied[0] or "")
    assert suffix is not None and len(suffix.group(1)) == 12, denied[0]
    # ... which no grant holds: the generated part is a wildcard, the rest literal
    policy_text = (out / "policy.json").read_text()
    assert suffix.group(1) not in policy_text
    resources = {
        r
        for s in read_json(out / "policy.json")["Statement"]
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    }
    assert (
        "arn:aws:s3:::svc-dev-serverlessdeploymentbucket-*/serverless/svc/dev/artifact.zip"
        in resources
    )
    grant = next(e for e in events if isinstance(e, GrantAdded) and e.action == "s3:PutObject")
    assert "ServerlessDeploymentBucket (AWS::S3::Bucket) of stack svc-dev" in (grant.note or "")
    # and the policy replays in a fresh sandbox, whose bucket has another suffix
    assert read_json(out / "summary.json")["verified"] is True

"""The final check: no grant keeps a generated physical name, and the ledger says so."""

from __future__ import annotations

from pathlib import Path

from autofix.records.events import GrantGeneralised
from tests.conftest import AWS, events_of, read_json
from tests.loop.scaffold import ACCOUNT, run_steps, start_policy

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Jobs:
    Type: AWS::SQS::Queue
"""


def test_a_start_policy_literal_of_a_generated_name_is_generalised(tmp_path: Path) -> None:
    # a grant copied from an earlier deploy names that deploy's queue literally
    earlier = f"arn:aws:sqs:us-east-1:{ACCOUNT}:svc-dev-Jobs-dhodwgejfuua"
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    stack = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/svc-dev/*"
    deploy = ["cloudformation:" + a for a in ("CreateChangeSet", "DescribeChangeSet")]
    deploy += ["cloudformation:" + a for a in ("DescribeStacks", "ExecuteChangeSet")]
    statements = [
        {"Effect": "Allow", "Action": deploy, "Resource": stack},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": earlier},
    ]
    start_policy(tmp_path, *statements)
    deploy_stack = f"{AWS} cloudformation deploy --stack-name svc-dev --template-file template.yaml"
    result = run_steps(
        tmp_path,
        ("deploy", deploy_stack),
        start=True,
        step_lines="timeout = 300",
        options=("--no-verify",),
    )
    assert result.exit_code == 0, result.output[-3000:]
    out = tmp_path / ".autofix"
    policy = read_json(out / "policy.json")
    send = [s for s in policy["Statement"] if "sqs:SendMessage" in s["Action"]]
    assert [s["Resource"] for s in send] == [f"arn:aws:sqs:us-east-1:{ACCOUNT}:svc-dev-Jobs-*"]
    assert "dhodwgejfuua" not in (out / "policy.json").read_text()
    [event] = events_of(out / "ledger.jsonl", GrantGeneralised)
    assert event.resource == earlier
    assert event.now == f"arn:aws:sqs:us-east-1:{ACCOUNT}:svc-dev-Jobs-*"
    assert "Jobs (AWS::SQS::Queue) of stack svc-dev" in event.why
    assert "(generated name)" in result.stderr
    # the queue's own grants were scoped by structure as they were found
    create = [s for s in policy["Statement"] if "sqs:CreateQueue" in s["Action"]]
    assert [s["Resource"] for s in create] == [f"arn:aws:sqs:us-east-1:{ACCOUNT}:svc-dev-Jobs-*"]

"""`--strategy predict` on a tiny Serverless service: pre-grants, pruning, a clean replay.

One run (module-scoped): a service with one function, deployed and removed. Before
each step the predictor packages it and grants what the template's resources and the
framework profile (autofix/data/derived/profiles/osls-4.json) say it will need.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from autofix.records.events import PREDICT, AttemptStart, GrantAdded, GrantPruned, LedgerEvent
from tests.conftest import (
    AWS,
    CliResult,
    events_of,
    ledger_events,
    read_json,
    run_autofix,
    write_config,
)
from tests.e2e.conftest import PLAYGROUND

SERVICE = """\
service: predict-probe
provider:
  name: aws
  runtime: python3.12
  region: us-east-1
functions:
  ping:
    handler: handler.ping
package:
  excludeDevDependencies: false
  patterns: ['!node_modules/**', '!autofix.toml', '!.autofix/**']
resources:
  Conditions:
    Never: {"Fn::Equals": [{"Ref": "AWS::Region"}, "nowhere-1"]}
  Resources:
    Unused:  # predicted (conditions are not evaluated ahead), never created
      Type: AWS::SNS::Topic
      Condition: Never
      Properties:
        TopicName: predict-probe-unused
"""

CONFIG = """\
[sandbox]
kind = "local"
[principal]
type = "user"
name = "predict-probe-deployer"
policy = "managed"
[[steps]]
name = "deploy"
run = "sls deploy --stage dev"
env = { SLS_AWS_MONITORING_FREQUENCY = "250", SLS_TELEMETRY_DISABLED = "1" }
[[steps]]
name = "remove"
run = "sls remove --stage dev"
env = { SLS_AWS_MONITORING_FREQUENCY = "250", SLS_TELEMETRY_DISABLED = "1" }
"""


@dataclass(frozen=True)
class PredictRun:
    directory: Path
    result: CliResult

    @property
    def out(self) -> Path:
        return self.directory / ".autofix"

    @property
    def events(self) -> list[LedgerEvent]:
        return ledger_events(self.out / "ledger.jsonl")

    @property
    def predicted_grants(self) -> list[GrantAdded]:
        return [e for e in self.events if isinstance(e, GrantAdded) and e.phase == PREDICT]

    @property
    def actions(self) -> set[str]:
        policy = read_json(self.out / "policy.json")
        return {a for s in policy["Statement"] for a in s["Action"]}


@pytest.fixture(scope="module")
def predicted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PredictRun]:
    if not (PLAYGROUND / "node_modules" / ".bin" / "sls").exists():
        pytest.fail("the playground's npm packages are not installed: run `make install`")
    directory = tmp_path_factory.mktemp("predict")
    (directory / "serverless.yml").write_text(SERVICE)
    (directory / "handler.py").write_text("def ping(event, context):\n    return 'pong'\n")
    (directory / "node_modules").symlink_to(PLAYGROUND / "node_modules")
    config = write_config(directory, textwrap.dedent(CONFIG))
    result = run_autofix("run", "--config", str(config), "--strategy", "predict", timeout=900)
    yield PredictRun(directory, result)


def test_predict_replays_cleanly_in_few_attempts(predicted: PredictRun) -> None:
    assert predicted.result.exit_code == 0, predicted.result.output
    summary = read_json(predicted.out / "summary.json")
    assert summary["strategy"] == "predict"
    assert summary["verified"] is True and summary["verification"] == "replayed"
    assert all(s["ok"] for s in summary["steps"])
    assert summary["attempts_total"] <= 4, summary["steps"]


def test_pre_grants_come_from_the_template_and_the_profile(predicted: PredictRun) -> None:
    pre = predicted.predicted_grants
    by_source: dict[str, set[str]] = {}
    for event in pre:
        by_source.setdefault(event.source or "", set()).add(event.action)
        assert event.attempt == 0
    # a handler's demands, from the packaged template (function, its role)
    assert {"lambda:CreateFunction", "iam:CreateRole", "iam:PassRole"} <= by_source[
        "predicted-template"
    ]
    # the tool's own calls, from the osls-4 profile
    assert {"cloudformation:CreateChangeSet", "s3:PutObject"} <= by_source["predicted-profile"]
    # the remove step was predicted its handlers' deletes before its first attempt
    removing = {e.action for e in pre if e.step == "remove"}
    assert "lambda:DeleteFunction" in removing
    events = predicted.events
    first_attempt = min(i for i, e in enumerate(events) if isinstance(e, AttemptStart))
    assert any(isinstance(e, GrantAdded) and e.phase == PREDICT for e in events[:first_attempt])


def test_unused_predicted_grants_are_pruned(predicted: PredictRun) -> None:
    pre = {e.action for e in predicted.predicted_grants}
    # whole actions pruned (a pruned resource pattern keeps its action: `resource` is set)
    pruned = {
        e.action for e in predicted.events if isinstance(e, GrantPruned) and e.resource is None
    }
    # the conditional topic's handlers were predicted, and no step used them
    assert {"sns:CreateTopic", "sns:DeleteTopic"} <= pre & pruned
    assert not {"sns:CreateTopic", "sns:DeleteTopic"} & predicted.actions
    assert not (pruned & predicted.actions)
    assert pre - pruned <= predicted.actions


def test_any_cloudformation_tool_is_predicted_from_the_stack_it_touched(tmp_path: Path) -> None:
    """A step autofix cannot package (the AWS CLI): the failed stack's template is read."""
    template = tmp_path / "template.json"
    template.write_text(
        '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": '
        '{"TopicName": "orders"}}, "Queue": {"Type": "AWS::SQS::Queue", "Properties": '
        '{"QueueName": "jobs"}}}}'
    )
    run = (
        f"{AWS} cloudformation create-stack --stack-name shop"
        f" --template-body file://{template}"
        f" && {AWS} cloudformation wait stack-create-complete --stack-name shop"
    )
    config = write_config(tmp_path, f'[[steps]]\nname = "deploy"\nrun = "{run}"\n')
    out = tmp_path / "out"
    result = run_autofix("run", "--config", str(config), "--strategy", "predict", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert read_json(out / "summary.json")["verified"] is True
    from_template = {
        e.action
        for e in events_of(out / "ledger.jsonl", GrantAdded)
        if e.source == "predicted-template"
    }
    # the first handler denials brought the rest of the handlers' demands (the reads
    # after creation), which trial would find one attempt later
    assert {"sns:GetTopicAttributes", "sqs:GetQueueAttributes"} <= from_template
    assert read_json(out / "summary.json")["attempts_total"] <= 3

"""`autofix run` rehearses each deploy as an update, and the verify pass keeps what it needed.

Drives the real AWS CLI (`aws cloudformation deploy`) against the embedded sandbox: the
rehearsal (`rehearse_run`) deploys again with one parameter changed, which changes the
function's environment and nothing else. The sandbox updates what that change set
changes: the function's update permissions are discovered and survive the replay, and no
other resource's update is demanded.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from autofix.records.events import StepOk, StepStart
from tests.conftest import AWS, events_of, read_json, run_autofix, write_config

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Greeting: { Type: String, Default: hello }
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: orders-fn-role
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: orders-fn
      Runtime: python3.12
      Handler: index.handler
      Environment: { Variables: { GREETING: !Ref Greeting } }
      Code: { ZipFile: "def handler(event, context):\\n    return 1\\n" }
      Role: !GetAtt Role.Arn
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: { Name: orders-api }
  Method:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: { Type: MOCK, IntegrationHttpMethod: POST, Uri: "http://example.com" }
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Method
    Properties: { RestApiId: !Ref Api }
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: { RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: live }
"""
UPDATE_ACTIONS = {"lambda:UpdateFunctionConfiguration"}
# update actions of the role, the API, its method and stage (apigateway:PATCH), and of the
# function's code: none of them changes (apigateway:PUT is not here: a method's create uses it)
UNCHANGED_UPDATES = {
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "apigateway:PATCH",
    "lambda:UpdateFunctionCode",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `autofix run` of deploy + its rehearsal, from an empty policy."""
    directory = tmp_path_factory.mktemp("rehearsal")
    (directory / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    deploy = f"{AWS} cloudformation deploy --stack-name orders --template-file template.yaml"
    changed = "--force-upload --capabilities CAPABILITY_NAMED_IAM --parameter-overrides Greeting=hi"
    config = write_config(
        directory,
        f"""
        [[steps]]
        name = "deploy"
        run = "{deploy} --capabilities CAPABILITY_NAMED_IAM"
        rehearse_run = "{deploy} {changed}"
        timeout = 300
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config), timeout=1200)
    assert result.exit_code == 0, result.output[-3000:]
    return directory


def summary_step(directory: Path, name: str) -> dict[str, Any]:
    steps = read_json(directory / ".autofix" / "summary.json")["steps"]
    return next(s for s in steps if s["name"] == name)


def test_the_rehearsal_is_its_own_step_with_the_update_actions(run_dir: Path) -> None:
    summary = read_json(run_dir / ".autofix" / "summary.json")
    assert [s["name"] for s in summary["steps"]] == ["deploy", "deploy (update)"]
    update = summary_step(run_dir, "deploy (update)")
    assert update["ok"] and update["attempts"] > 1
    assert set(update["actions"]) >= UPDATE_ACTIONS
    assert not set(update["actions"]) & UNCHANGED_UPDATES
    starts = events_of(run_dir / ".autofix" / "ledger.jsonl", StepStart)
    commands = {e.step: e.command for e in starts}
    assert "--force-upload" in commands["deploy (update)"]
    assert "--force-upload" not in commands["deploy"]


def test_the_verify_pass_keeps_what_the_update_path_used(run_dir: Path) -> None:
    summary = read_json(run_dir / ".autofix" / "summary.json")
    assert summary["verified"] is True
    assert not UPDATE_ACTIONS & set(summary["pruned"])
    policy = read_json(run_dir / ".autofix" / "policy.json")
    granted = {
        a
        for s in policy["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert granted >= UPDATE_ACTIONS
    assert not granted & UNCHANGED_UPDATES
    # the replay ran the rehearsal too
    replayed = [
        e
        for ledger in (run_dir / ".autofix" / "verify").glob("verify-*/ledger.jsonl")
        for e in events_of(ledger, StepOk)
    ]
    assert {"deploy", "deploy (update)"} <= {e.step for e in replayed}

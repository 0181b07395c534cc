"""A stack that passes a role of its own to a resource type autofix's data gives no
principal for (a Transcribe vocabulary's `DataAccessRoleArn`): the role's trust policy
names the one service that can use it, so the sandbox evaluates the pass with that
`iam:PassedToService` and autofix grants it only to that service, by trial and by
prediction alike. A role two services trust gets no condition, and the run says why: no
PassRole grant is ever unconditioned silently. The real AWS CLI on the embedded sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autofix.policy.conditions import PASSED_TO_SERVICE
from autofix.records.events import GrantAdded
from tests.conftest import read_json, run_autofix, venv_on_path, write_config
from tests.loop.scaffold import events
from tests.sandbox.stacks import trusting

TO_TRANSCRIBE = {"StringEquals": {PASSED_TO_SERVICE: "transcribe.amazonaws.com"}}


def _vocabulary(name: str, role: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Transcribe::Vocabulary",
        "Properties": {
            "VocabularyName": name,
            "LanguageCode": "en-US",
            "Phrases": ["autofix"],
            "DataAccessRoleArn": {"Fn::GetAtt": [role, "Arn"]},
        },
    }


def _config(directory: Path) -> Path:
    shared = trusting("transcribe.amazonaws.com")
    shared["Statement"][0]["Principal"]["Service"] = [
        "transcribe.amazonaws.com",
        "sns.amazonaws.com",
    ]
    template = {
        "Resources": {
            "VocabRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": trusting("transcribe.amazonaws.com")},
            },
            "SharedRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": shared},
            },
            "Words": _vocabulary("trusted-words", "VocabRole"),
            "Shared": _vocabulary("shared-words", "SharedRole"),
        }
    }
    (directory / "template.json").write_text(json.dumps(template))
    deploy = (
        "aws cloudformation deploy --stack-name vocab --template-file template.json"
        " --capabilities CAPABILITY_IAM"
    )
    return write_config(directory, f'[[steps]]\nname = "deploy"\nrun = "{deploy}"\n')


@pytest.mark.parametrize("strategy", ["trial", "predict"])
def test_the_roles_one_trusted_service_conditions_its_pass(tmp_path: Path, strategy: str) -> None:
    config = _config(tmp_path)
    result = run_autofix("run", "--strategy", strategy, "--config", str(config), env=venv_on_path())
    assert result.exit_code == 0, result.output
    passes = [g for g in events(tmp_path, GrantAdded) if g.action == "iam:PassRole"]
    by_role = {g.resource.rsplit("/", 1)[-1].split("-")[1]: g for g in passes}
    assert set(by_role) == {"VocabRole", "SharedRole"}, [g.resource for g in passes]
    assert by_role["VocabRole"].condition == TO_TRANSCRIBE
    # two services trust the shared role: no condition, and the grant's note says why
    shared = by_role["SharedRole"]
    assert not shared.condition
    assert f"no {PASSED_TO_SERVICE} condition: " in (shared.note or "")
    # never silently: every PassRole grant has the condition or says why not
    for grant in passes:
        assert grant.condition or f"no {PASSED_TO_SERVICE} condition" in (grant.note or "")
    policy = read_json(tmp_path / ".autofix" / "policy.json")
    conditioned = [s for s in policy["Statement"] if "iam:PassRole" in s["Action"]]
    assert TO_TRANSCRIBE in [s.get("Condition") for s in conditioned]
    # the policy replayed cleanly in a fresh account, the conditioned pass included
    assert read_json(tmp_path / ".autofix" / "summary.json")["verified"] is True

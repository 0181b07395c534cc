"""The shipped tool profiles match the tools the demos pin: a profile learnt from another
version of its tool is stale (`make profiles` learns it again)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from autofix.config import Step, load_config
from autofix.predict import ahead
from autofix.predict import profile as profiles
from autofix.step.runner import StepResult
from tests.conftest import REPO, venv_on_path

PROFILES = sorted((REPO / "autofix" / "data" / "derived" / "profiles").glob("*.json"))


def _run(step: Step) -> StepResult:
    """As a step runs: autofix's venv first on PATH (the demos' `aws`)."""
    return ahead.run_without_credentials(step, {**os.environ, **venv_on_path()})


def _tool_step(source: str) -> Step:
    steps = load_config(REPO / source / "autofix.toml").steps
    found = next((s for s in steps if ahead.tool_of(s.run) is not None), None)
    assert found is not None, f"{source} has no deploy tool step"
    return found


@pytest.mark.parametrize("path", PROFILES, ids=[p.stem for p in PROFILES])
def test_a_shipped_profile_was_learnt_from_the_installed_tool(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data.get("source") and data.get("version"), (
        f"{path.name} records no source demo or tool version: run `make profiles`"
    )
    step = _tool_step(data["source"])
    installed = ahead.installed_version(step, _run)
    assert installed == data["version"], (
        f"{path.name} was learnt from {data['version']}, the demo installs {installed}: "
        "run `make profiles`"
    )
    assert ahead.profile_name(step, _run) == path.stem == profiles.bundled(path.stem).name  # type: ignore[union-attr]


def test_each_tool_has_a_shipped_profile() -> None:
    assert {p.stem.rsplit("-", 1)[0] for p in PROFILES} >= {"osls", "sam", "cdk", "awscli"}


SERVERLESS_PROFILES = [p for p in PROFILES if p.stem.split("-")[0] in ("osls", "serverless")]


@pytest.mark.parametrize("path", SERVERLESS_PROFILES, ids=[p.stem for p in SERVERLESS_PROFILES])
@pytest.mark.parametrize("service", ["autofix-demo", "serverless-http-api-dynamodb"])
def test_a_serverless_profile_s_bucket_calls_cover_the_deployment_bucket_cloudformation_names(
    path: Path, service: str
) -> None:
    """The deployment bucket is the stack's unnamed `ServerlessDeploymentBucket`: CloudFormation
    names it `{stack}-serverlessdeploymentbucket-{random}`, cut to 63 characters where the
    stack name is long (`serverless-http-api-dynam-serverlessdeploymentbuck-...`). Each
    action a profile's command calls on that bucket is granted on a pattern the name
    matches, whatever the service's length (the corpus's http-api-dynamodb paid an attempt
    for `s3:ListBucket` learnt as `{service}-*`)."""
    from autofix.policy.arns import matches
    from autofix.policy.name_rules import TAIL_LENGTHS, name_rule

    rule = name_rule("AWS::S3::Bucket")
    assert rule is not None
    bucket_names = [
        rule.generate(f"{service}-dev", "ServerlessDeploymentBucket", "a1b2c3d4e5f6g7"[:n])
        for n in TAIL_LENGTHS
    ]
    profile = profiles.bundled(path.stem)
    assert profile is not None
    for command in profile.commands:
        calls = profile.calls(command, service, "dev", "us-east-1", "123456789012", "aws")
        on_bucket: dict[str, list[str]] = {}
        for call in calls:
            if call.resource.startswith("arn:aws:s3:::") and "/" not in call.resource:
                on_bucket.setdefault(call.action, []).append(call.resource)
        for action, resources in on_bucket.items():
            for name in bucket_names:
                assert any(matches(r, f"arn:aws:s3:::{name}") for r in resources), (
                    f"{path.stem} {command}: {action} on {resources} misses {name}"
                )


@pytest.mark.parametrize("path", PROFILES, ids=[p.stem for p in PROFILES])
def test_a_shipped_profiles_role_pass_names_the_service_it_goes_to(path: Path) -> None:
    """A profile's iam:PassRole is predicted with its `iam:PassedToService` (`passed_to`);
    one without it would never be predicted (the enforced loop learns the service from
    the request). The demos' tools pass no role themselves today (their handlers do: the
    template's part), so a regenerated profile that learns one must keep its service."""
    loaded = profiles.parse(json.loads(path.read_text(encoding="utf-8")), path.name)
    for command, calls in loaded.commands.items():
        for call in calls:
            if call.action.lower() == "iam:passrole":
                assert call.passed_to.endswith(".amazonaws.com"), (path.name, command, call)


@pytest.mark.parametrize("path", PROFILES, ids=[p.stem for p in PROFILES])
def test_a_shipped_profile_reads_only_the_deployment_s_own_objects(path: Path) -> None:
    """An object grant names the stack or service whose artifacts it reads: SAM's managed
    bucket is shared by every SAM stack of the account (`aws-sam-cli-managed-default*/*`
    read them all, learnt from CloudFormation's TemplateURL failure, which names no object)."""
    calls = [
        c for cmd in json.loads(path.read_text(encoding="utf-8"))["commands"].values() for c in cmd
    ]
    objects = [
        c["resource"]
        for c in calls
        if c["resource"].startswith("arn:aws:s3:::") and "/" in c["resource"]
    ]
    assert all("{stack}" in r or "{service}" in r for r in objects), objects


def test_a_step_whose_tool_follows_a_script_still_finds_its_profile() -> None:
    """The text before `aws cloudformation deploy` (a `set -e` script whose first call needs
    credentials the version probe does not have) fails; the tool's own probe answers."""
    step = _tool_step("playground/cfn-demo")
    script = "set -e\nB=$(aws sts get-caller-identity --query Account --output text)\n"
    scripted = replace(step, run=script + step.run)
    assert ahead.profile_name(scripted, _run) == ahead.profile_name(step, _run) == "awscli-1"

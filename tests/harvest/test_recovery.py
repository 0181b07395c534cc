"""Stack recovery between attempts: each state, done by the operator, only on the step's stacks.

States the sandbox API cannot reach (ROLLBACK_FAILED, UPDATE_ROLLBACK_FAILED, an
in-progress stack) are set through the sandbox's test-only hook
(tests/support/stack_status.py, a sandbox plugin); everything else is reached with real API calls.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from autofix.account.session import Operator
from autofix.account.stacks import CLOCK_SKEW, Recovery, StackRef, recover, stacks_touched
from autofix.sandbox.server import SandboxInfo
from tests.harvest.conftest import User, unique
from tests.support.stack_status import PATH


def queue(name: str) -> str:
    return json.dumps(
        {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}}}}
    )


def set_status(info: SandboxInfo, stack: str, status: str, **more: Any) -> None:
    body = json.dumps({"stack": stack, "status": status, **more}).encode()
    request = urllib.request.Request(info.endpoint + PATH, data=body, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def status(operator: Operator, stack_id: str) -> str:
    cfn = operator.client("cloudformation")
    return str(cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"])


def recover_named(operator: Operator, name: str, since: datetime) -> Recovery | None:
    cfn = operator.client("cloudformation")
    [stack] = [s for s in stacks_touched(cfn, since) if s.name == name]
    return recover(cfn, stack, since, timeout=30)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def deployer(make_user: Callable[[list[str]], User]) -> User:
    """Can drive CloudFormation and create (not delete) queues."""
    return make_user(["cloudformation:*", "sqs:CreateQueue", "sqs:GetQueue*"])


def test_a_new_stack_in_rollback_complete_is_deleted(
    make_user: Callable[[list[str]], User], operator: Operator
) -> None:
    since, name = now(), unique("rbc")
    make_user(["cloudformation:*"]).client("cloudformation").create_stack(
        StackName=name, TemplateBody=queue(name)
    )
    done = recover_named(operator, name, since)
    assert done == Recovery(name, "ROLLBACK_COMPLETE", "deleted", "now DELETE_COMPLETE")


def test_a_new_stack_in_rollback_failed_is_deleted(
    deployer: User, operator: Operator, hooked_sandbox: SandboxInfo
) -> None:
    since, name = now(), unique("rbf")
    deployer.client("cloudformation").create_stack(StackName=name, TemplateBody=queue(name))
    set_status(hooked_sandbox, name, "ROLLBACK_FAILED")
    done = recover_named(operator, name, since)
    assert done is not None and (done.status, done.action) == ("ROLLBACK_FAILED", "deleted")


def test_a_change_set_stack_left_in_review_is_deleted(deployer: User, operator: Operator) -> None:
    since, name = now(), unique("review")
    deployer.client("cloudformation").create_change_set(
        StackName=name, ChangeSetName="cs", ChangeSetType="CREATE", TemplateBody=queue(name)
    )
    done = recover_named(operator, name, since)
    assert done == Recovery(name, "REVIEW_IN_PROGRESS", "deleted", "now DELETE_COMPLETE")


def test_update_rollback_failed_is_continued(
    make_user: Callable[[list[str]], User], operator: Operator, hooked_sandbox: SandboxInfo
) -> None:
    name = unique("urf")
    ops = operator.client("cloudformation")
    stack_id = ops.create_stack(StackName=name, TemplateBody=queue(name))["StackId"]
    time.sleep(CLOCK_SKEW.total_seconds() + 0.5)  # the attempt starts after the stack exists
    since = now()
    updater = make_user(["cloudformation:*", "sqs:*"]).client("cloudformation")
    topic = json.loads(queue(name))
    topic["Resources"]["Topic"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}
    updater.update_stack(StackName=name, TemplateBody=json.dumps(topic))
    assert status(operator, stack_id) == "UPDATE_ROLLBACK_COMPLETE"
    set_status(hooked_sandbox, name, "UPDATE_ROLLBACK_FAILED")
    # found because its last update falls inside the attempt (created before it)
    touched = {s.name: s for s in stacks_touched(ops, since)}
    assert not touched[name].created_since(since)
    done = recover(ops, touched[name], since, timeout=30)
    assert done == Recovery(
        name, "UPDATE_ROLLBACK_FAILED", "continued rollback", "now UPDATE_ROLLBACK_COMPLETE"
    )


def test_an_in_progress_stack_is_waited_for(
    deployer: User, operator: Operator, hooked_sandbox: SandboxInfo
) -> None:
    since, name = now(), unique("busy")
    cfn = deployer.client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=queue(name))
    set_status(hooked_sandbox, name, "CREATE_IN_PROGRESS", then="CREATE_COMPLETE", after_seconds=1)
    done = recover_named(operator, name, since)
    assert done == Recovery(name, "CREATE_IN_PROGRESS", "waited", "now CREATE_COMPLETE")


def test_delete_failed_is_reported_with_its_resources(deployer: User, operator: Operator) -> None:
    since, name = now(), unique("delf")
    cfn = deployer.client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=queue(name))
    cfn.delete_stack(StackName=name)
    done = recover_named(operator, name, since)
    assert done is not None
    assert (done.status, done.action) == ("DELETE_FAILED", "reported")
    assert done.detail.startswith("Queue (")
    assert "sqs:DeleteQueue" in done.detail


def test_someone_elses_older_stack_is_never_touched(
    make_user: Callable[[list[str]], User], operator: Operator
) -> None:
    name = unique("theirs")
    make_user(["cloudformation:*"]).client("cloudformation").create_stack(
        StackName=name, TemplateBody=queue(name)
    )
    ops = operator.client("cloudformation")
    since = now() + timedelta(seconds=6)  # the attempt starts later
    assert name not in {s.name for s in stacks_touched(ops, since)}
    # even when named in the config, an older stack is not deleted
    [named] = [s for s in stacks_touched(ops, since, (name,)) if s.name == name]
    done = recover(ops, named, since, timeout=30)
    assert done is not None and done.action == "left alone"
    assert status(operator, named.stack_id) == "ROLLBACK_COMPLETE"


def test_a_nested_stack_is_left_to_its_root() -> None:
    nested = StackRef("child", "arn:child", "ROLLBACK_COMPLETE", now(), now(), "arn:parent")
    assert recover(object(), nested, now() - timedelta(minutes=1)) is None

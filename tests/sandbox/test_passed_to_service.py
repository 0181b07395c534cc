"""iam:PassedToService beyond the curated services: a request naming a role (Lambda's
`CreateFunction` `Role`, Step Functions' `roleArn`, EventBridge's `Targets.*.RoleArn`:
botocore's role members) and a resource
handler of a type whose principal is derived (a SageMaker notebook's `RoleArn`) pass the
role to their service, and a pass conditioned on another service is denied, as on AWS.
boto3 against a real sandbox."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from autofix.testing import IamSandbox
from tests.sandbox.stacks import LAMBDA_TRUST, failures, settled, trusting

ACCOUNT = "123456789012"
STATES_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["states.amazonaws.com", "sagemaker.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamSandbox]:
    with IamSandbox.start(tmp_path_factory.mktemp("passed-to")) as sandbox:
        admin = sandbox.admin_session().client("iam")
        admin.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
        admin.create_role(RoleName="svc-role", AssumeRolePolicyDocument=json.dumps(STATES_TRUST))
        yield sandbox


def passing(role: str, service: str, actions: list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "Condition": {"StringEquals": {"iam:PassedToService": service}},
            },
        ],
    }


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def test_create_function_passes_its_role_to_lambda(account: IamSandbox) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/fn-role"
    function = {
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Code": {"ZipFile": _zip()},
        "Role": role,
    }
    to_states = account.principal(passing("fn-role", "states.amazonaws.com", ["lambda:*"]))
    with pytest.raises(ClientError) as caught:
        to_states.client("lambda").create_function(FunctionName="direct-a", **function)
    assert f"is not authorized to perform: iam:PassRole on resource: {role}" in str(caught.value)
    [record] = [r for r in account.denials(to_states) if r.action == "iam:PassRole"]
    assert (record.operation, record.passed_to) == ("CreateFunction", "lambda.amazonaws.com")

    to_lambda = account.principal(passing("fn-role", "lambda.amazonaws.com", ["lambda:*"]))
    to_lambda.client("lambda").create_function(FunctionName="direct-b", **function)


def test_create_state_machine_passes_its_role_to_states(account: IamSandbox) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/svc-role"
    machine = {
        "definition": json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
        "roleArn": role,
    }
    to_lambda = account.principal(passing("svc-role", "lambda.amazonaws.com", ["states:*"]))
    with pytest.raises(ClientError) as caught:
        to_lambda.client("stepfunctions").create_state_machine(name="sm-a", **machine)
    assert "iam:PassRole" in str(caught.value)
    to_states = account.principal(passing("svc-role", "states.amazonaws.com", ["states:*"]))
    to_states.client("stepfunctions").create_state_machine(name="sm-b", **machine)


def test_a_role_in_a_nested_member_is_passed_too(account: IamSandbox) -> None:
    """EventBridge's PutTargets names each target's role in `Targets.*.RoleArn`."""
    role = f"arn:aws:iam::{ACCOUNT}:role/svc-role"
    target = {"Id": "t", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", "RoleArn": role}
    admin = account.admin_session().client("events")
    admin.put_rule(Name="nested", ScheduleExpression="rate(1 hour)")
    to_lambda = account.principal(passing("svc-role", "lambda.amazonaws.com", ["events:*"]))
    with pytest.raises(ClientError) as caught:
        to_lambda.client("events").put_targets(Rule="nested", Targets=[target])
    assert f"iam:PassRole on resource: {role}" in str(caught.value)
    to_events = account.principal(passing("svc-role", "events.amazonaws.com", ["events:*"]))
    to_events.client("events").put_targets(Rule="nested", Targets=[target])


def notebook(name: str) -> str:
    return json.dumps(
        {
            "Resources": {
                "Notebook": {
                    "Type": "AWS::SageMaker::NotebookInstance",
                    "Properties": {
                        "NotebookInstanceName": name,
                        "InstanceType": "ml.t3.medium",
                        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/svc-role",
                    },
                }
            }
        }
    )


def test_a_derived_types_handler_passes_its_role_to_its_service(account: IamSandbox) -> None:
    actions = ["cloudformation:*", "sagemaker:*"]
    to_lambda = account.principal(passing("svc-role", "lambda.amazonaws.com", actions))
    cfn = to_lambda.client("cloudformation")
    cfn.create_stack(StackName="nb-a", TemplateBody=notebook("nb-a"))
    assert settled(cfn, "nb-a")["StackStatus"] == "ROLLBACK_COMPLETE"
    assert any("iam:PassRole" in reason for reason in failures(cfn, "nb-a"))
    [record] = [r for r in account.denials(to_lambda) if r.action == "iam:PassRole"]
    assert record.passed_to == "sagemaker.amazonaws.com"

    to_sagemaker = account.principal(passing("svc-role", "sagemaker.amazonaws.com", actions))
    cfn = to_sagemaker.client("cloudformation")
    cfn.create_stack(StackName="nb-b", TemplateBody=notebook("nb-b"))
    assert settled(cfn, "nb-b")["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "nb-b")


def vocabulary(name: str, role: str) -> str:
    """A Transcribe vocabulary (its `DataAccessRoleArn` has no principal in autofix's data)."""
    props = {"VocabularyName": name, "LanguageCode": "en-US", "Phrases": ["autofix"]}
    return json.dumps(
        {
            "Resources": {
                "Vocabulary": {
                    "Type": "AWS::Transcribe::Vocabulary",
                    "Properties": props
                    | {"DataAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}"},
                }
            }
        }
    )


def test_with_no_data_the_roles_one_trusted_service_receives_it(account: IamSandbox) -> None:
    admin = account.admin_session().client("iam")
    admin.create_role(RoleName="vocab-role", AssumeRolePolicyDocument=json.dumps(
        trusting("transcribe.amazonaws.com")))  # fmt: skip
    actions = ["cloudformation:*", "transcribe:*"]
    to_lambda = account.principal(passing("vocab-role", "lambda.amazonaws.com", actions))
    cfn = to_lambda.client("cloudformation")
    cfn.create_stack(StackName="vocab-a", TemplateBody=vocabulary("vocab-a", "vocab-role"))
    assert settled(cfn, "vocab-a")["StackStatus"] == "ROLLBACK_COMPLETE"
    [record] = [r for r in account.denials(to_lambda) if r.action == "iam:PassRole"]
    assert record.passed_to == "transcribe.amazonaws.com"

    to_transcribe = account.principal(passing("vocab-role", "transcribe.amazonaws.com", actions))
    cfn = to_transcribe.client("cloudformation")
    cfn.create_stack(StackName="vocab-b", TemplateBody=vocabulary("vocab-b", "vocab-role"))
    assert settled(cfn, "vocab-b")["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "vocab-b")

    # a role two services trust: not told, so the key is absent and a conditioned pass fails
    cfn.create_stack(StackName="vocab-c", TemplateBody=vocabulary("vocab-c", "svc-role"))
    assert settled(cfn, "vocab-c")["StackStatus"] == "ROLLBACK_COMPLETE"
    [record] = [r for r in account.denials(to_transcribe) if r.action == "iam:PassRole"]
    assert record.passed_to == ""

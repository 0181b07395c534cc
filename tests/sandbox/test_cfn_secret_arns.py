"""A Secrets Manager secret is demanded on its name and the suffix AWS appends.

A secret's ARN is `secret:<name>-<six random characters>`, assigned at creation and new
each deploy; AWS documents policies on `secret:<name>-??????`. The sandbox demanded the
handler's actions on `secret:*` (every secret: a data read there is refused by the guard)
and the stand-in's `Ref` was the bare name, where CloudFormation returns the ARN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled

TEMPLATE = {
    "Resources": {
        "ApiKey": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {"Name": "ledger/api-key", "SecretString": "s3cr3t"},
        }
    },
    "Outputs": {"Ref": {"Value": {"Ref": "ApiKey"}}},
}


def _deploy(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
    secrets: str,
    stack: str,
) -> tuple[dict[str, Any], list[str]]:
    account = operator_client("sts").get_caller_identity()["Account"]
    region = operator_client("cloudformation").meta.region_name
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            # no resource-level permission (SAR); the schema lists it for GenerateSecretString
            {"Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "secretsmanager:*",
                "Resource": f"arn:aws:secretsmanager:{region}:{account}:secret:{secrets}",
            },
        ]
    )
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(TEMPLATE))
    found = settled(cfn, stack)
    reasons = failures(cfn, stack)
    operator_client("cloudformation").delete_stack(StackName=stack)
    return found, reasons


def test_a_secret_is_demanded_on_its_name_and_assigned_suffix(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    stack, reasons = _deploy(make_user, operator_client, "ledger/api-key-??????", "secret-own")
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons
    (ref,) = [o["OutputValue"] for o in stack.get("Outputs", [])]
    assert re.fullmatch(r"arn:aws:secretsmanager:[a-z0-9-]+:\d+:secret:ledger/api-key-\w{6}", ref)


def test_a_grant_on_another_secret_does_not_create_it(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    stack, reasons = _deploy(make_user, operator_client, "billing/*", "secret-other")
    assert stack["StackStatus"] != "CREATE_COMPLETE"
    assert any("secretsmanager:CreateSecret" in r for r in reasons), reasons

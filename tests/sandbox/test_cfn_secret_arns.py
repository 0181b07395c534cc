"""A Secrets Manager secret is demanded on its name and the suffix AWS appends.

A secret's ARN is `secret:<name>-<six random characters>`, assigned at creation and new
each deploy; AWS documents policies on `secret:<name>-??????`. The sandbox demanded the
handler's actions on `secret:*` (every secret: a data read there is refused by the guard)
and the stand-in's `Ref` was the bare name, where CloudFormation returns the ARN. Once the
secret exists (an update), its demands name the same pattern, not the ARN of this deploy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
TEMPLATE = {
    "Resources": {
        "ApiKey": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {"Name": "ledger/api-key", "SecretString": "s3cr3t"},
        }
    },
    "Outputs": {"Ref": {"Value": {"Ref": "ApiKey"}}},
}
CREATE_AND_DELETE = [
    "secretsmanager:CreateSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:ReplicateSecretToRegions",
    "secretsmanager:RemoveRegionsFromReplication",
]


def _deployer(
    make_user: MakeUser, operator_client: Callable[[str], Any], actions: list[str], secrets: str
) -> Any:
    account = operator_client("sts").get_caller_identity()["Account"]
    region = operator_client("cloudformation").meta.region_name
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            # no resource-level permission (SAR); the schema lists it for GenerateSecretString
            {"Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": actions,
                "Resource": f"arn:aws:secretsmanager:{region}:{account}:secret:{secrets}",
            },
        ]
    )
    return as_deployer("cloudformation")


def test_a_secret_is_demanded_on_its_name_and_assigned_suffix(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    cfn = _deployer(make_user, operator_client, CREATE_AND_DELETE, "ledger/api-key-??????")
    cfn.create_stack(StackName="secret-own", TemplateBody=json.dumps(TEMPLATE))
    stack = settled(cfn, "secret-own")
    reasons = failures(cfn, "secret-own")
    changed = json.loads(json.dumps(TEMPLATE))
    changed["Resources"]["ApiKey"]["Properties"]["Description"] = "rotated by hand"
    if stack["StackStatus"] == "CREATE_COMPLETE":
        cfn.update_stack(StackName="secret-own", TemplateBody=json.dumps(changed))
    updated = settled(cfn, "secret-own")
    update_reasons = failures(cfn, "secret-own")
    operator_client("cloudformation").delete_stack(StackName="secret-own")
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons
    (ref,) = [o["OutputValue"] for o in stack.get("Outputs", [])]
    assert re.fullmatch(r"arn:aws:secretsmanager:[a-z0-9-]+:\d+:secret:ledger/api-key-\w{6}", ref)
    # the update is denied UpdateSecret (not granted), on the pattern, not on this ARN
    assert updated["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    denied = " ".join(update_reasons)
    assert "secretsmanager:UpdateSecret" in denied or "secretsmanager:GetSecretValue" in denied
    assert re.search(r"on resource: \S+:secret:ledger/api-key-\?{6} ", denied), denied


def test_a_grant_on_another_secret_does_not_create_it(
    make_user: MakeUser, operator_client: Callable[[str], Any]
) -> None:
    cfn = _deployer(make_user, operator_client, ["secretsmanager:*"], "billing/*")
    cfn.create_stack(StackName="secret-other", TemplateBody=json.dumps(TEMPLATE))
    stack = settled(cfn, "secret-other")
    reasons = failures(cfn, "secret-other")
    operator_client("cloudformation").delete_stack(StackName="secret-other")
    assert stack["StackStatus"] != "CREATE_COMPLETE"
    assert any("secretsmanager:CreateSecret" in r for r in reasons), reasons

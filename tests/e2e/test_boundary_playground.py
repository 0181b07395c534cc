"""The boundary variant of the playground (playground/boundary): a deployer that may create
only roles carrying the account's permissions boundary, from an empty policy to a verified one.

Drives the real Serverless Framework CLI (osls) against the embedded sandbox, then holds the
discovered policy to what it allows: roles with the boundary, and no others.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from autofix.testing import IamSandbox
from tests.conftest import REPO, CliResult, read_json, run_autofix
from tests.e2e.conftest import PLAYGROUND

pytestmark = pytest.mark.e2e

VARIANT = REPO / "playground" / "boundary"
ACCOUNT = "123456789012"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/autofix-boundary-limit"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/autofix-boundary-dev-us-east-1-lambdaRole"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass(frozen=True)
class BoundaryRun:
    directory: Path
    result: CliResult

    @property
    def policy(self) -> Any:
        return read_json(self.directory / ".autofix" / "policy.json")


@pytest.fixture(scope="module")
def boundary_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoundaryRun]:
    """`autofix run` on the variant, from an empty policy, trial and error only."""
    if not (PLAYGROUND / "node_modules" / ".bin" / "sls").exists():
        pytest.fail("the playground's npm packages are not installed: run `make install`")
    directory = tmp_path_factory.mktemp("boundary") / "boundary"
    shutil.copytree(VARIANT, directory, ignore=shutil.ignore_patterns("node_modules", ".*"))
    (directory / "node_modules").symlink_to(PLAYGROUND / "node_modules")
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(directory / "autofix.toml"), timeout=1500
    )
    yield BoundaryRun(directory, result)


def statements_of(policy: Any, action: str) -> list[dict[str, Any]]:
    return [s for s in policy["Statement"] if action in s["Action"]]


def test_the_variant_converges_and_replays(boundary_run: BoundaryRun) -> None:
    result = boundary_run.result
    assert result.exit_code == 0, result.output[-3000:]
    assert "every step succeeded, and the policy replayed cleanly" in result.stderr
    assert "permissions_boundary is set, but" not in result.stderr


def test_role_writes_carry_the_boundary_and_pass_role_its_service(
    boundary_run: BoundaryRun,
) -> None:
    policy = boundary_run.policy
    bounded = {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"):
        [statement] = statements_of(policy, action)
        assert statement["Condition"] == bounded, action
    [pass_role] = statements_of(policy, "iam:PassRole")
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }
    [get_role] = statements_of(policy, "iam:GetRole")
    assert "Condition" not in get_role


def test_the_policy_lets_the_deployer_create_only_roles_with_the_boundary(
    boundary_run: BoundaryRun, tmp_path: Path
) -> None:
    """The discovered policy, attached to a fresh deployer in a fresh sandbox account."""
    with IamSandbox.start(tmp_path / "account") as account:
        admin = account.admin_session().client("iam")
        limit = (VARIANT / "boundary-policy.json").read_text(encoding="utf-8")
        admin.create_policy(PolicyName="autofix-boundary-limit", PolicyDocument=limit)
        iam = account.principal(boundary_run.policy).client("iam")
        name, trust = ROLE.rsplit("/", 1)[-1], json.dumps(TRUST)

        with pytest.raises(ClientError) as without:
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        assert f"is not authorized to perform: iam:CreateRole on resource: {ROLE}" in str(
            without.value
        )
        other = f"arn:aws:iam::{ACCOUNT}:policy/other"
        admin.create_policy(PolicyName="other", PolicyDocument=limit)
        with pytest.raises(ClientError):
            iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=trust, PermissionsBoundary=other
            )

        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, PermissionsBoundary=BOUNDARY)
        admin.delete_role_permissions_boundary(RoleName=name)
        everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
        document = json.dumps({"Version": "2012-10-17", "Statement": [everything]})
        with pytest.raises(ClientError) as unbounded:
            iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=document)
        assert "iam:PutRolePolicy" in str(unbounded.value)

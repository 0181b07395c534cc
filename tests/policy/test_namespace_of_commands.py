"""The deployment's namespace knows the stacks its steps' command lines name.

Before a step's first attempt, the predictor grants the escalation actions of the roles its
template leaves to CloudFormation (`iam:CreateRole` on `role/<stack>-<Logical>-*`); the
guard admits them only inside the deployment's namespace. A stack named only on the command
line (`--stack-name`) or in samconfig.toml was not in it until the stack existed, so the
first attempt of every fresh `aws cloudformation deploy` or `sam deploy` was denied its roles.
"""

from __future__ import annotations

from pathlib import Path

from autofix.config import load_config
from autofix.policy.intent import outside
from autofix.wiring import namespace_of

ACCOUNT = "123456789012"


def _config(tmp_path: Path, steps: str) -> Path:
    path = tmp_path / "autofix.toml"
    path.write_text(
        '[sandbox]\nkind = "local"\n\n[principal]\ntype = "user"\nname = "deployer"\n\n' + steps
    )
    return path


def test_a_stack_named_by_the_command_line_is_the_deployments(tmp_path: Path) -> None:
    config = load_config(
        _config(
            tmp_path,
            '[[steps]]\nname = "deploy"\n'
            'run = "aws cloudformation deploy --stack-name tally-api --template-file t.yaml"\n',
        )
    )
    namespace = namespace_of(config, ACCOUNT)
    role = f"arn:aws:iam::{ACCOUNT}:role/tally-api-WorkerRole-*"
    assert "tally-api" in namespace.names
    assert outside("iam:CreateRole", role, namespace) is None
    assert outside("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/admin-*", namespace)


def test_a_stack_named_by_samconfig_is_the_deployments(tmp_path: Path) -> None:
    (tmp_path / "samconfig.toml").write_text(
        'version = 0.1\n[default.deploy.parameters]\nstack_name = "quill-hub"\n'
    )
    config = load_config(_config(tmp_path, '[[steps]]\nname = "deploy"\nrun = "sam deploy"\n'))
    namespace = namespace_of(config, ACCOUNT)
    assert "quill-hub" in namespace.names
    role = f"arn:aws:iam::{ACCOUNT}:role/quill-hub-ReaderFunctionRole-*"
    assert outside("iam:PassRole", role, namespace) is None


def test_a_step_naming_no_stack_adds_nothing(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, '[[steps]]\nname = "build"\nrun = "make build"\n'))
    assert namespace_of(config, ACCOUNT).names == ()

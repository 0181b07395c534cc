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


def test_a_service_role_the_steps_pass_to_cloudformation_is_the_deployments(
    tmp_path: Path,
) -> None:
    """The operator names it (the step's command line, samconfig, serverless.yml): the
    deployer's iam:PassRole of it to CloudFormation is not refused as outside."""
    cli, sam, sls = (tmp_path / name for name in ("cli", "sam", "sls"))
    for directory in (cli, sam, sls):
        directory.mkdir()
    (sam / "samconfig.toml").write_text(
        'version = 0.1\n[default.deploy.parameters]\nstack_name = "quill-hub"\n'
        f'role_arn = "arn:aws:iam::{ACCOUNT}:role/sam-exec"\n'
    )
    (sls / "serverless.yml").write_text(
        "service: ledger\nprovider:\n  name: aws\n  iam:\n"
        f"    deploymentRole: arn:aws:iam::{ACCOUNT}:role/sls-exec\n"
    )
    steps = (
        f'[[steps]]\nname = "cli"\ncwd = "{cli}"\n'
        'run = "aws cloudformation deploy --stack-name tally --template-file t.yaml'
        f' --role-arn arn:aws:iam::{ACCOUNT}:role/cli-exec"\n'
        f'[[steps]]\nname = "sam"\ncwd = "{sam}"\nrun = "sam deploy"\n'
        f'[[steps]]\nname = "sls"\ncwd = "{sls}"\nrun = "sls deploy"\n'
    )
    namespace = namespace_of(load_config(_config(tmp_path, steps)), ACCOUNT)
    for role in ("cli-exec", "sam-exec", "sls-exec"):
        assert role in namespace.names
        assert outside("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/{role}", namespace) is None
    assert outside("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin", namespace)


def test_a_deployment_role_given_by_a_variable_adds_nothing(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: ledger\nprovider:\n  name: aws\n  cfnRole: ${param:role}\n"
    )
    config = load_config(_config(tmp_path, '[[steps]]\nname = "d"\nrun = "sls deploy"\n'))
    assert namespace_of(config, ACCOUNT).names == ("ledger",)

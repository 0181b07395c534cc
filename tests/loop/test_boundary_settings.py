"""With `[policy] permissions_boundary`, autofix says which step's tool will create roles
without it (the framework's own setting), reading the service's files as the tool would."""

from __future__ import annotations

import tomllib
from pathlib import Path

from autofix.config.boundary import missing_settings
from autofix.config.model import Config, parse_config

BOUNDARY = "arn:aws:iam::123456789012:policy/limit"


def config(directory: Path, steps: str, boundary: bool = True, setup: str = "") -> Config:
    policy = f"[policy]\npermissions_boundary = '{BOUNDARY}'\n" if boundary else ""
    raw = tomllib.loads(policy + setup + steps)
    return parse_config(raw, directory)


def sls_step() -> str:
    return "[[steps]]\nname = 'deploy'\nrun = 'sls deploy --stage dev'\n"


def test_serverless_without_the_role_setting_is_named(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text("service: svc\nprovider:\n  name: aws\n")
    [line] = missing_settings(config(tmp_path, sls_step()))
    assert line.startswith("step deploy: [policy] permissions_boundary is set")
    assert "provider.iam.role.permissionsBoundary" in line
    assert missing_settings(config(tmp_path, sls_step(), boundary=False)) == []


def test_serverless_with_the_role_setting_passes(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        f"service: svc\nprovider:\n  iam:\n    role:\n      permissionsBoundary: {BOUNDARY}\n"
    )
    assert missing_settings(config(tmp_path, sls_step())) == []


def test_sam_needs_the_globals_setting(tmp_path: Path) -> None:
    step = "[[steps]]\nname = 'deploy'\nrun = 'sam deploy --no-confirm-changeset'\n"
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    [line] = missing_settings(config(tmp_path, step))
    assert "PermissionsBoundary (in Globals: Function:)" in line
    (tmp_path / "template.yaml").write_text(
        f"Globals:\n  Function:\n    PermissionsBoundary: {BOUNDARY}\nResources: {{}}\n"
    )
    assert missing_settings(config(tmp_path, step)) == []


def test_cdk_needs_a_bootstrap_with_the_boundary(tmp_path: Path) -> None:
    step = "[[steps]]\nname = 'deploy'\nrun = 'cdk deploy --require-approval never'\n"
    [line] = missing_settings(config(tmp_path, step))
    assert "--custom-permissions-boundary" in line
    setup = (
        "[[setup]]\nname = 'bootstrap'\n"
        "run = 'cdk bootstrap aws://123456789012/us-east-1 --custom-permissions-boundary limit'\n"
    )
    assert missing_settings(config(tmp_path, step, setup=setup)) == []

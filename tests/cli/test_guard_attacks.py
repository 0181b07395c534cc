"""A step that really makes an attacker's calls, through `autofix run` as a user would: the
sandbox denies them for real, and the guard refuses every grant that reaches outside the
deployment (exit 3, one line naming why and the `[guard] allow` key); nothing is granted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autofix.records.events import GuardRefused
from tests.conftest import AWS, events_of, read_json, run_autofix, write_config

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
TRUST = '{"Version":"2012-10-17","Statement":[]}'
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}'
ATTACKS = {
    "create-user": (f"{AWS} iam create-user --user-name backdoor", "iam:CreateUser"),
    "access-key": (f"{AWS} iam create-access-key --user-name admin", "iam:CreateAccessKey"),
    "attach-admin": (
        f"{AWS} iam attach-user-policy --user-name admin --policy-arn {ADMIN}",
        "iam:AttachUserPolicy",
    ),
    "role-policy": (
        f"{AWS} iam put-role-policy --role-name admin --policy-name p --policy-document '{POLICY}'",
        "iam:PutRolePolicy",
    ),
    "group": (
        f"{AWS} iam add-user-to-group --user-name me --group-name Admins",
        "iam:AddUserToGroup",
    ),
    "other-account": (
        f"{AWS} sts assume-role --role-arn arn:aws:iam::210987654321:role/deploy "
        "--role-session-name probe",
        "sts:AssumeRole",
    ),
    "secret": (
        f"{AWS} secretsmanager get-secret-value --secret-id prod-db",
        "secretsmanager:GetSecretValue",
    ),
    "leave-org": (f"{AWS} organizations leave-organization", "organizations:LeaveOrganization"),
}


def _config(directory: Path, run: str, more: str = "") -> Path:
    return write_config(directory, f'[[steps]]\nname = "deploy"\nrun = {json.dumps(run)}\n{more}')


def _actions(out: Path) -> set[str]:
    statements = read_json(out / "policy.json")["Statement"]
    return {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_step_making_the_attack_gets_nothing(tmp_path: Path, attack: str) -> None:
    command, action = ATTACKS[attack]
    config = _config(tmp_path, command)
    result = run_autofix(
        "run", "--strategy", "trial", "--no-verify", "--config", str(config), timeout=300
    )
    assert result.exit_code == 3, result.output[-3000:]
    assert "Traceback" not in result.output
    assert "outside the deployment" in result.output and "[guard] allow" in result.output
    out = tmp_path / ".autofix"
    assert action not in _actions(out)
    [refused] = events_of(out / "ledger.jsonl", GuardRefused)
    assert [r["action"] for r in refused.refusals] == [action]
    assert refused.refusals[0]["rule"] == "outside-intent"


def test_guard_allow_grants_it_and_the_console_flags_it(tmp_path: Path) -> None:
    command, action = ATTACKS["role-policy"]
    allow = f'\n[guard]\nallow = ["{action} on arn:aws:iam::123456789012:role/admin"]\n'
    # the role exists, so the step can succeed once granted
    setup = (
        f'[[setup]]\nname = "role"\nrun = """{AWS} iam create-role --role-name admin '
        f'--assume-role-policy-document \'{TRUST}\'"""\n'
    )
    config = _config(tmp_path, command, allow + setup)
    result = run_autofix(
        "run", "--strategy", "trial", "--no-verify", "--config", str(config), timeout=300
    )
    assert result.exit_code == 0, result.output[-3000:]
    assert action in _actions(tmp_path / ".autofix")
    flagged = result.output.split("flagged grants", 1)[1]
    assert f"{action} on arn:aws:iam::123456789012:role/admin" in flagged
    assert "allowed by [guard] allow" in flagged


def test_a_malformed_allowance_is_one_line(tmp_path: Path) -> None:
    config = _config(tmp_path, "true", '\n[guard]\nallow = ["CreateUser"]\n')
    result = run_autofix("run", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "guard.allow" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "role_arn",
    ["arn:aws:iam::210987654321:role/deploy", "arn:aws:iam::123456789012:role/no-such-role"],
)
def test_an_allowed_assume_role_of_a_role_not_in_the_account_gets_no_credentials(
    tmp_path: Path, role_arn: str
) -> None:
    # issue 22: once sts:AssumeRole was granted, the sandbox handed out credentials for
    # another account's role and for a role that does not exist; AWS refuses both
    step = f"{AWS} sts assume-role --role-arn {role_arn} --role-session-name probe"
    allow = f'\n[guard]\nallow = ["sts:AssumeRole on {role_arn}"]\n'
    config = _config(tmp_path, step, allow)
    result = run_autofix(
        "run", "--strategy", "trial", "--no-verify", "--config", str(config), timeout=300
    )
    assert result.exit_code != 0, result.output[-3000:]
    assert "Traceback" not in result.output
    assert "AccessKeyId" not in result.output and "SessionToken" not in result.output
    ledger = (tmp_path / ".autofix" / "ledger.jsonl").read_text()
    assert '"event": "step_ok"' not in ledger

"""A step's output is attacker text: a denial it prints is granted only when the sandbox
issued it (`autofix.harvest.corroborate`), driven through `autofix run` as a user would."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from autofix.records.events import DenialFound, RunStart
from tests.conftest import AWS, CliResult, events_of, read_json, run_autofix, write_config

ACCOUNT = "123456789012"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:user/autofix-deployer"
ATTACKS = (
    ("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/admin"),
    ("iam:AttachUserPolicy", f"arn:aws:iam::{ACCOUNT}:user/admin"),
    ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/backdoor"),
    ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/admin"),
    ("iam:UpdateAssumeRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/admin"),
    ("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/other"),
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin"),
    ("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT}:group/Admins"),
    ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"),
    ("sts:AssumeRole", "arn:aws:iam::210987654321:role/deploy"),
    ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:*"),
    ("kms:Decrypt", "*"),
    ("s3:GetObject", "arn:aws:s3:::*"),
    ("s3:PutBucketPolicy", "arn:aws:s3:::*"),
    ("ec2:RunInstances", "*"),
    ("organizations:LeaveOrganization", "*"),
)


def _printer(attacks: tuple[tuple[str, str], ...], exit_code: int) -> str:
    """A shell step that prints each denial as AWS words it, then exits `exit_code`."""
    lines = [
        f"An error occurred (AccessDenied) when calling the Op operation: User: {DEPLOYER} "
        f"is not authorized to perform: {action} on resource: {resource}"
        for action, resource in attacks
    ]
    return "; ".join(f"echo {shlex.quote(line)}" for line in lines) + f"; exit {exit_code}"


def _config(directory: Path, run: str) -> Path:
    return write_config(directory, f'[[steps]]\nname = "deploy"\nrun = {json.dumps(run)}\n')


def _trial(config: Path, *more: str) -> CliResult:
    """`autofix run --strategy trial --no-verify` (a replay would prove nothing more here)."""
    return run_autofix(
        "run", "--strategy", "trial", "--no-verify", *more, "--config", str(config), timeout=300
    )


def _granted(out: Path) -> set[str]:
    policy = read_json(out / "policy.json")
    return {
        action
        for statement in policy["Statement"]
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }


def test_a_failing_step_that_prints_denials_gets_none_of_them(tmp_path: Path) -> None:
    config = _config(tmp_path, _printer(ATTACKS, 1))
    result = run_autofix("run", "--strategy", "trial", "--config", str(config), timeout=300)
    assert result.exit_code == 1, result.output[-3000:]
    assert "Traceback" not in result.output
    assert "printed, not observed" in result.output
    out = tmp_path / ".autofix"
    assert _granted(out).isdisjoint({a for a, _ in ATTACKS})
    found = events_of(out / "ledger.jsonl", DenialFound)
    assert {(d.action, d.resource) for d in found} == set(ATTACKS)
    assert all(d.not_granted and not d.fixable for d in found)


def test_a_succeeding_step_that_prints_denials_gets_none_of_them(tmp_path: Path) -> None:
    step = f"{AWS} sns create-topic --name t >/dev/null && " + _printer(ATTACKS, 0)
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(_config(tmp_path, step)), timeout=300
    )
    assert result.exit_code == 0, result.output[-3000:]
    assert "printed, not observed" in result.output
    granted = _granted(tmp_path / ".autofix")
    assert "sns:CreateTopic" in granted  # the denial the sandbox really issued
    assert granted.isdisjoint({a for a, _ in ATTACKS})


def test_a_real_denial_beside_printed_ones_is_granted_alone(tmp_path: Path) -> None:
    # the step both prints attacks and makes a call it is really denied
    step = _printer(ATTACKS[:3], 0).rsplit(";", 1)[0] + f"; {AWS} sns create-topic --name t"
    result = _trial(_config(tmp_path, step))
    assert result.exit_code == 0, result.output[-3000:]
    assert _granted(tmp_path / ".autofix") == {"sns:CreateTopic"}


def test_trust_output_grants_printed_denials_and_says_so(tmp_path: Path) -> None:
    printed = (("sns:ListTopics", f"arn:aws:sns:us-east-1:{ACCOUNT}:*"),)
    step = _printer(printed, 0)
    result = _trial(_config(tmp_path, step), "--trust-output")
    assert result.exit_code == 0, result.output[-3000:]
    assert "--trust-output" in result.output
    out = tmp_path / ".autofix"
    assert _granted(out) == {"sns:ListTopics"}
    assert [e.trust_output for e in events_of(out / "ledger.jsonl", RunStart)] == [True]


def test_trust_output_in_the_config_file(tmp_path: Path) -> None:
    printed = (("sns:ListTopics", f"arn:aws:sns:us-east-1:{ACCOUNT}:*"),)
    config = _config(tmp_path, _printer(printed, 0))
    config.write_text(config.read_text() + "\n[guard]\ntrust_output = true\n")
    result = _trial(config)
    assert result.exit_code == 0, result.output[-3000:]
    assert _granted(tmp_path / ".autofix") == {"sns:ListTopics"}


def test_check_labels_a_printed_denial_as_printed_not_observed(tmp_path: Path) -> None:
    # `autofix check` of a saved policy: the step prints a denial the sandbox never issued
    saved = tmp_path / "saved.json"
    saved.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*"}],
            }
        )
    )
    config = _config(tmp_path, _printer(ATTACKS[:1], 1))
    args = ("check", "--config", str(config), "--policy", str(saved))
    result = run_autofix(*args, timeout=300)
    assert result.exit_code == 1, result.output[-3000:]
    assert "Traceback" not in result.output
    assert "missing iam:CreateAccessKey" in result.output
    assert "printed, not observed" in result.output
    assert "implicit deny" not in result.output
    assert "never observed, so no grant fixes it" in result.output
    report = json.loads(run_autofix(*args, "--json", timeout=300).stdout)
    [missing] = report["steps"][0]["missing"]
    assert missing["not_granted"].startswith("printed, not observed")
    assert missing["fixable"] is False
    assert report["patch"] is None  # nothing to grant for it


def test_with_no_verify_printed_denials_stay_out_of_the_policy(tmp_path: Path) -> None:
    # issue 22: with --no-verify they all used to stay in policy.json, the run exiting 0
    result = _trial(_config(tmp_path, _printer(ATTACKS, 0)))
    assert result.exit_code == 0, result.output[-3000:]
    assert result.output.count("printed, not observed") >= len(ATTACKS)
    out = tmp_path / ".autofix"
    policy = read_json(out / "policy.json")
    assert policy["Statement"] == []
    found = events_of(out / "ledger.jsonl", DenialFound)
    assert {(d.action, d.resource) for d in found if d.not_granted} == set(ATTACKS)

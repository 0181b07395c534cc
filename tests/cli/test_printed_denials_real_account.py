"""A real account (an allow-listed profile pointing at the embedded sandbox, which answers
CloudTrail's LookupEvents from its deny log): a denial known only from a step's output is
corroborated through CloudTrail where `[guard] cloudtrail` says so; otherwise escalation and
data-access actions known only from text are refused with a clear line, and
`--trust-output` (flagged in the ledger) overrides. Driven through `autofix run`."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from autofix.records.events import DenialFound, RunStart
from autofix.testing import IamSandbox
from tests.conftest import AWS, CliResult, events_of, read_json, run_autofix, write_config


def _printed(account: str, principal: str, pairs: list[tuple[str, str]]) -> str:
    """Shell that prints each denial as AWS words it."""
    deployer = f"arn:aws:iam::{account}:user/{principal}"
    return "; ".join(
        "echo "
        + shlex.quote(
            f"An error occurred (AccessDenied) when calling the Op operation: User: {deployer} "
            f"is not authorized to perform: {action} on resource: {resource}"
        )
        for action, resource in pairs
    )


def _run(
    sandbox: IamSandbox, directory: Path, name: str, extra: str, *options: str
) -> tuple[CliResult, Path]:
    """One run on the "real" account: the step prints a data read of the service's own
    bucket and an access key for `admin`, then really calls sns:CreateTopic."""
    account = sandbox.account_id
    printed = _printed(
        account,
        f"{name}-deployer",
        [
            ("s3:GetObject", f"arn:aws:s3:::{name}-data/report.csv"),
            ("iam:CreateAccessKey", f"arn:aws:iam::{account}:user/admin"),
        ],
    )
    step = f"{printed}; {AWS} sns create-topic --name {name}-topic"
    return _run_step(sandbox, directory, name, step, extra, *options)


def _run_step(
    sandbox: IamSandbox, directory: Path, name: str, step: str, extra: str = "", *options: str
) -> tuple[CliResult, Path]:
    """`autofix run` of one step on the "real" account (principal `{name}-deployer`)."""
    account = sandbox.account_id
    admin = sandbox.info.operator
    profile = directory / "aws-config"
    profile.write_text(
        "[profile sandbox]\n"
        f"aws_access_key_id = {admin.access_key_id}\n"
        f"aws_secret_access_key = {admin.secret_access_key}\n"
        f"endpoint_url = {sandbox.endpoint_url}\nregion = {sandbox.region}\n"
    )
    principal = f"{name}-deployer"
    config = write_config(
        directory,
        f"""
        [sandbox]
        kind = "aws"
        profile = "sandbox"
        allowed_accounts = ["{account}"]
        [principal]
        name = "{principal}"
        policy_name = "{name}-policy"
        [policy]
        service_names = ["{name}"]
        [[steps]]
        name = "deploy"
        run = {json.dumps(step)}
        {extra}
        """,
    )
    result = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--no-verify",
        *options,
        "--config",
        str(config),
        env={"AWS_CONFIG_FILE": str(profile)},
        timeout=600,
    )
    return result, directory / ".autofix"


def _granted(out: Path) -> set[str]:
    return {
        action
        for statement in read_json(out / "policy.json")["Statement"]
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }


def test_without_cloudtrail_escalation_and_data_access_from_text_are_refused(
    iam_sandbox: IamSandbox, tmp_path: Path
) -> None:
    result, out = _run(iam_sandbox, tmp_path, "textonly", "")
    assert result.exit_code == 0, result.output[-3000:]
    assert "Traceback" not in result.output
    assert "[guard] cloudtrail = true checks it against CloudTrail" in result.output
    assert _granted(out) == {"sns:CreateTopic"}  # known from text too, and no escalation
    refused = {d.action for d in events_of(out / "ledger.jsonl", DenialFound) if d.not_granted}
    assert refused == {"s3:GetObject", "iam:CreateAccessKey"}


def test_with_cloudtrail_only_what_the_trail_recorded_is_granted(
    iam_sandbox: IamSandbox, tmp_path: Path
) -> None:
    extra = "[guard]\ncloudtrail = true\n[harvest]\ncloudtrail_wait_seconds = 3\n"
    result, out = _run(iam_sandbox, tmp_path, "trailed", extra)
    assert result.exit_code == 0, result.output[-3000:]
    assert "printed, not observed: CloudTrail recorded no such denial" in result.output
    assert "waiting" in result.output and "CloudTrail" in result.output
    assert _granted(out) == {"sns:CreateTopic"}  # the one denial the trail holds
    found = events_of(out / "ledger.jsonl", DenialFound)
    assert {d.action for d in found if d.not_granted} == {"s3:GetObject", "iam:CreateAccessKey"}
    assert all("CloudTrail" in d.not_granted for d in found if d.not_granted)


def test_trust_output_grants_what_the_text_says_and_the_ledger_says_so(
    iam_sandbox: IamSandbox, tmp_path: Path
) -> None:
    extra = '[guard]\nallow = ["iam:CreateAccessKey on arn:aws:iam::*:user/admin"]\n'
    result, out = _run(iam_sandbox, tmp_path, "trusting", extra, "--trust-output")
    assert result.exit_code == 0, result.output[-3000:]
    assert "--trust-output" in result.output
    assert {"s3:GetObject", "sns:CreateTopic"} <= _granted(out)
    assert [e.trust_output for e in events_of(out / "ledger.jsonl", RunStart)] == [True]


def test_every_printed_attack_on_a_real_account_gets_nothing(
    iam_sandbox: IamSandbox, tmp_path: Path
) -> None:
    # the list, printed by a step that then exits 0, with no CloudTrail to ask
    from tests.cli.test_printed_denials import ATTACKS

    account = iam_sandbox.account_id
    attacks = [(a, r.replace("123456789012", account)) for a, r in ATTACKS]
    step = _printed(account, "attacked-deployer", attacks) + "; true"
    result, out = _run_step(iam_sandbox, tmp_path, "attacked", step)
    assert result.exit_code != 0 or "not granted" in result.output, result.output[-3000:]
    assert "Traceback" not in result.output
    granted = _granted(out) if (out / "policy.json").exists() else set()
    assert granted.isdisjoint({a for a, _ in attacks}), granted
    found = events_of(out / "ledger.jsonl", DenialFound)
    assert {(d.action, d.resource) for d in found if d.not_granted} == set(attacks)

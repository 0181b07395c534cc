"""Deployer variants: a role with a managed policy, and a real-account config."""

from __future__ import annotations

from pathlib import Path

from autofix.events import PolicyApplied
from autofix.testing import IamSandbox
from tests.conftest import AWS, events_of, read_json, run_autofix, write_config

STEP = f"{AWS} sns create-topic --name t && {AWS} sns list-topics && {AWS} ssm describe-parameters"


def test_role_with_managed_policy_rotates_versions(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        f"""
        [principal]
        type = "role"
        name = "ci-deploy"
        policy = "managed"
        policy_name = "ci-deploy-discovered"
        [[steps]]
        name = "three"
        run = "{STEP}"
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 0, result.output
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["steps"][0]["actions"] == [
        "sns:CreateTopic",
        "sns:ListTopics",
        "ssm:DescribeParameters",
    ]
    applied = events_of(tmp_path / ".autofix" / "ledger.jsonl", PolicyApplied)
    assert [e.mode for e in applied] == ["managed"] * 4
    # an empty policy is no policy attached; the first grant creates v1
    assert (applied[0].version, applied[0].statements) == (None, 0)
    assert [e.version for e in applied[1:]] == ["v1", "v2", "v3"]


def test_many_grants_never_exceed_five_managed_versions(tmp_path: Path) -> None:
    step = " && ".join(
        f"{AWS} {c}"
        for c in (
            "sns list-topics",
            "sns create-topic --name a",
            "ssm describe-parameters",
            "ssm put-parameter --name /p --value v --type String --overwrite",
            "ssm get-parameter --name /p",
            "sns list-subscriptions",
            "sns get-topic-attributes --topic-arn arn:aws:sns:us-east-1:123456789012:a",
        )
    )
    config = write_config(
        tmp_path,
        f"""
        [principal]
        policy = "managed"
        [[steps]]
        name = "six"
        run = "{step}"
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 0, result.output
    applied = events_of(tmp_path / ".autofix" / "ledger.jsonl", PolicyApplied)
    assert len(applied) == 8
    assert [e.version for e in applied[1:]] == [f"v{n}" for n in range(1, 8)]
    assert [e.deleted_version for e in applied[6:]] == ["v1", "v2"]


def _profile(tmp_path: Path, endpoint: str, key: str, secret: str) -> Path:
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile sandbox]\n"
        f"aws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        f"endpoint_url = {endpoint}\nregion = us-east-1\n"
    )
    return config


def test_real_account_must_be_allow_listed(tmp_path: Path) -> None:
    with IamSandbox.start(tmp_path / "account") as account:  # a fresh one: the test owns it
        info = account.info
        aws_config = _profile(
            tmp_path, info.endpoint, info.operator.access_key_id, info.operator.secret_access_key
        )
        env = {"AWS_CONFIG_FILE": str(aws_config)}
        body = """
            [sandbox]
            kind = "aws"
            profile = "sandbox"
            allowed_accounts = ["{account}"]
            [[steps]]
            name = "topic"
            run = "{aws} sns create-topic --name guarded"
        """
        refused = write_config(tmp_path, body.format(account="111122223333", aws=AWS))
        result = run_autofix("run", "--strategy", "trial", "--config", str(refused), env=env)
        assert result.exit_code == 3, result.output
        assert "account 123456789012 is not in sandbox.allowed_accounts" in result.stderr

        allowed = write_config(tmp_path, body.format(account="123456789012", aws=AWS))
        result = run_autofix("run", "--strategy", "trial", "--config", str(allowed), env=env)
        assert result.exit_code == 0, result.output
        operator = account.admin_session().client("iam")
        arn = "arn:aws:iam::123456789012:policy/autofix-discovered"
        attached = operator.list_attached_user_policies(UserName="autofix-deployer")
        assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [arn]
        version = operator.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        stored = operator.get_policy_version(PolicyArn=arn, VersionId=version)
        assert stored["PolicyVersion"]["Document"]["Statement"][0]["Action"] == ["sns:CreateTopic"]
        # the operator's own permissions are untouched
        assert operator.list_user_policies(UserName="autofix-operator")["PolicyNames"] == [
            "autofix-operator-admin"
        ]


def test_deployer_that_is_the_operator_is_refused(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        """
        [principal]
        name = "autofix-operator"
        [[steps]]
        name = "a"
        run = "true"
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 3
    assert "is the operator itself" in result.stderr

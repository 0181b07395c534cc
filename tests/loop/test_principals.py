"""Deployer variants: a role with a managed policy, and a real-account config."""

from __future__ import annotations

from pathlib import Path

from autofix.records.events import PolicyApplied
from autofix.testing import IamSandbox
from tests.conftest import AWS, events_of, read_json, run_autofix, write_config

ACTIONS = (
    ("sns list-topics", "sns:ListTopics"),
    ("sns create-topic --name a", "sns:CreateTopic"),
    ("ssm describe-parameters", "ssm:DescribeParameters"),
    ("ssm put-parameter --name /p --value v --type String --overwrite", "ssm:PutParameter"),
    ("ssm get-parameter --name /p", "ssm:GetParameter"),
    ("sns list-subscriptions", "sns:ListSubscriptions"),
    (
        "sns get-topic-attributes --topic-arn arn:aws:sns:us-east-1:123456789012:a",
        "sns:GetTopicAttributes",
    ),
)


def test_role_with_managed_policy_rotates_versions_never_more_than_five(tmp_path: Path) -> None:
    step = " && ".join(f"{AWS} {command}" for command, _ in ACTIONS)
    config = write_config(
        tmp_path,
        f"""
        [principal]
        type = "role"
        name = "ci-deploy"
        policy = "managed"
        policy_name = "ci-deploy-discovered"
        [[steps]]
        name = "seven"
        run = "{step}"
        """,
    )
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 0, result.output
    summary = read_json(tmp_path / ".autofix" / "summary.json")
    assert summary["steps"][0]["actions"] == [action for _, action in ACTIONS]
    applied = events_of(tmp_path / ".autofix" / "ledger.jsonl", PolicyApplied)
    assert [e.mode for e in applied] == ["managed"] * 8
    assert all(e.name.endswith(":policy/ci-deploy-discovered") for e in applied), applied[0]
    # an empty policy is no policy attached; the first grant creates v1
    assert (applied[0].version, applied[0].statements) == (None, 0)
    assert [e.version for e in applied[1:]] == [f"v{n}" for n in range(1, 8)]
    # IAM keeps five versions: the oldest goes before the sixth and the seventh
    assert [e.deleted_version for e in applied[:6]] == [None] * 6
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

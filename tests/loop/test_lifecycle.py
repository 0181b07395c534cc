"""The lifecycle a config declares: each deploy step, then its update rehearsal."""

from __future__ import annotations

from pathlib import Path

import pytest

from autofix.config import load_config
from tests.conftest import run_autofix, write_config


def steps_of(tmp_path: Path, body: str) -> list[tuple[str, str, str | None]]:
    """(name, command, step rehearsed) of each step the config runs, in order."""
    config = load_config(write_config(tmp_path, body))
    return [(s.name, s.run, s.rehearsal_of) for s in config.steps]


def test_a_deploy_step_is_followed_by_its_forced_rehearsal(tmp_path: Path) -> None:
    body = """
    [[steps]]
    name = "deploy-dev"
    run = "sls deploy --stage dev"
    [[steps]]
    name = "remove-dev"
    run = "sls remove --stage dev"
    """
    assert steps_of(tmp_path, body) == [
        ("deploy-dev", "sls deploy --stage dev", None),
        ("deploy-dev (update)", "sls deploy --force --stage dev", "deploy-dev"),
        ("remove-dev", "sls remove --stage dev", None),
    ]


@pytest.mark.parametrize(
    ("command", "rehearsal"),
    [
        ("npx cdk deploy --all", "npx cdk deploy --force --all"),
        (
            "sam deploy --no-confirm-changeset",
            "sam deploy --force-upload --no-fail-on-empty-changeset --no-confirm-changeset",
        ),
        (
            "aws cloudformation deploy --stack-name s --template-file t.yaml",
            "aws cloudformation deploy --force-upload --no-fail-on-empty-changeset"
            " --stack-name s --template-file t.yaml",
        ),
        (  # a flag already given is not given twice
            "sam deploy --no-fail-on-empty-changeset",
            "sam deploy --force-upload --no-fail-on-empty-changeset",
        ),
        ("cd app && serverless deploy -s prod", "cd app && serverless deploy --force -s prod"),
        ("sls deploy --force", "sls deploy --force"),
        ("terraform apply -auto-approve", "terraform apply -auto-approve"),
    ],
)
def test_known_tools_redeploy_for_real(tmp_path: Path, command: str, rehearsal: str) -> None:
    body = f'[[steps]]\nname = "d"\nrun = "{command}"\n'
    assert steps_of(tmp_path, body)[1] == ("d (update)", rehearsal, "d")


@pytest.mark.parametrize(
    "command",
    [
        "cdk destroy --force",
        "sam delete --no-prompts",
        "aws cloudformation delete-stack --stack-name s",
        "terraform apply -destroy -auto-approve",
        "sls deploy function -f hello",
        "./publish.sh",
    ],
)
def test_teardowns_and_unknown_commands_are_not_rehearsed(tmp_path: Path, command: str) -> None:
    body = f'[[steps]]\nname = "d"\nrun = "{command}"\n'
    assert [name for name, _, _ in steps_of(tmp_path, body)] == ["d"]


def test_rehearse_switches_it_off_or_on_and_rehearse_run_is_its_command(tmp_path: Path) -> None:
    body = """
    [[steps]]
    name = "off"
    run = "sls deploy"
    rehearse = false
    [[steps]]
    name = "on"
    run = "./publish.sh"
    rehearse = true
    [[steps]]
    name = "own"
    run = "sls deploy"
    rehearse_run = "MEMORY=256 sls deploy --force"
    """
    assert steps_of(tmp_path, body) == [
        ("off", "sls deploy", None),
        ("on", "./publish.sh", None),
        ("on (update)", "./publish.sh", "on"),
        ("own", "sls deploy", None),
        ("own (update)", "MEMORY=256 sls deploy --force", "own"),
    ]


def test_a_single_command_run_is_rehearsed_too(tmp_path: Path) -> None:
    from autofix.config import steps_from_command

    steps = steps_from_command(["sls", "deploy", "--stage", "dev"], tmp_path)
    assert [(s.name, s.run) for s in steps] == [
        ("command", "sls deploy --stage dev"),
        ("command (update)", "sls deploy --force --stage dev"),
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("rehearse = 'yes'", "steps[0].rehearse: must be true or false"),
        ("rehearse = false\nrehearse_run = 'x'", "steps[0].rehearse_run: given, but rehearse"),
        ("rehearse_run = ''", "steps[0].rehearse_run: must be a non-empty string"),
    ],
)
def test_bad_rehearsal_keys_are_one_line_errors(tmp_path: Path, extra: str, message: str) -> None:
    config = write_config(tmp_path, f"[[steps]]\nname = 'a'\nrun = 'sls deploy'\n{extra}\n")
    result = run_autofix("run", "--strategy", "trial", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_step_named_like_a_rehearsal_is_refused(tmp_path: Path) -> None:
    body = "[[steps]]\nname = 'd'\nrun = 'sls deploy'\n[[steps]]\nname = 'd (update)'\nrun = 'x'\n"
    result = run_autofix(
        "run", "--strategy", "trial", "--config", str(write_config(tmp_path, body))
    )
    assert result.exit_code == 2
    assert "the step name 'd (update)' is used twice" in result.stderr


def test_a_rehearsal_s_annotation_is_placed_on_the_step_it_rehearses(tmp_path: Path) -> None:
    from autofix.denials.model import Denial
    from autofix.loop.check import CheckOutcome, Missing, StepCheck
    from autofix.report.github import github_annotations

    config = write_config(
        tmp_path, '[[steps]]\nname = "other"\nrun = "true"\n\n[[steps]]\nname = "d"\nrun = "x"\n'
    )
    missing = Missing(Denial("lambda:UpdateFunctionCode"))
    outcome = CheckOutcome(False, 1, (StepCheck("d (update)", False, 1, 1.0, (missing,)),))
    [line] = github_annotations(outcome, config, workspace=str(tmp_path))
    assert line.startswith("::error file=autofix.toml,line=6,title=autofix check%3A d (update)::")

"""What the loop tests share: a start policy, a template, a stack-creating step and one
`autofix run --strategy trial` of a config written for the test, read back from its ledger."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, TypeVar

from autofix.records.events import LedgerEvent
from tests.conftest import AWS, CliResult, events_of, read_json, run_autofix, write_config

E = TypeVar("E", bound=LedgerEvent)

ACCOUNT = "123456789012"
CLOUDFORMATION_ANYWHERE = {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"}


def start_policy(directory: Path, *statements: dict[str, Any]) -> None:
    """`start.json` in `directory`: a policy of these statements (`run_steps(start=True)`)."""
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    (directory / "start.json").write_text(json.dumps(document))


def template(directory: Path, resources: dict[str, Any]) -> str:
    """A template of these resources in `directory`, as a `file://` URL for the AWS CLI."""
    path = directory / "template.json"
    path.write_text(json.dumps({"Resources": resources}))
    return f"file://{path}"


def create_stack(stack: str, body: str) -> str:
    """A step's command: create `stack` from the template `body` and wait until it is done."""
    return (
        f"{AWS} cloudformation create-stack --stack-name {stack} --template-body {body}"
        f" && {AWS} cloudformation wait stack-create-complete --stack-name {stack}"
    )


def run_steps(
    directory: Path,
    *steps: tuple[str, str],
    head: str = "",
    start: bool = False,
    step_lines: str = "",
    options: tuple[str, ...] = (),
) -> CliResult:
    """`autofix run --strategy trial` of (name, command) steps, each with `step_lines`,
    after the tables in `head` (and the start policy, with `start`)."""
    lines = [textwrap.dedent(head).strip()] if head.strip() else []
    if start:
        lines += ["[policy]", 'start = "start.json"']
    for name, command in steps:
        lines += ["[[steps]]", f'name = "{name}"', f'run = "{command}"']
        lines += [line for line in step_lines.strip().splitlines() if line]
    config = write_config(directory, "\n".join(lines) + "\n")
    return run_autofix("run", "--strategy", "trial", "--config", str(config), *options)


def events(directory: Path, kind: type[E]) -> list[E]:
    """The run's ledger events of one kind, in order."""
    return events_of(directory / ".autofix" / "ledger.jsonl", kind)


def summary(directory: Path) -> Any:
    """The run's `summary.json`."""
    return read_json(directory / ".autofix" / "summary.json")

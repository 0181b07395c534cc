"""Update rehearsal: which steps deploy, and how to run one again as a real update.

In CI every deploy after the first is an update, which takes other permissions than a
create (`lambda:UpdateFunctionCode`, `iam:PutRolePolicy`, ...). After a deploy step,
autofix runs it again as `<step> (update)`. For the tools it knows, the rerun forces a
real redeploy (a new artifact, a stack update) without touching the user's files; any
other command is rerun as it is, or as the step's `rehearse_run`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UPDATE_SUFFIX = " (update)"


@dataclass(frozen=True)
class Tool:
    """A deploy command autofix knows, and the flag that forces a real redeploy."""

    name: str
    pattern: re.Pattern[str]
    force_flags: tuple[str, ...]


# A word boundary that also accepts a path (`node_modules/.bin/sls`) or `npx sls`.
_W = r"(?:(?<=[\s/;&|(])|^)"
_UPLOAD = "--force-upload"
_EMPTY_OK = "--no-fail-on-empty-changeset"
TOOLS: tuple[Tool, ...] = (
    Tool(
        "Serverless Framework",
        re.compile(_W + r"(?:sls|serverless|osls)\s+deploy\b(?!\s+(?:function|list)\b)"),
        ("--force",),  # uploads a new artifact: the function's code changes
    ),
    Tool("AWS CDK", re.compile(_W + r"cdk\s+deploy\b"), ("--force",)),
    # an unchanged template is no change set on AWS; these tools then exit non-zero unless told
    Tool("AWS SAM", re.compile(_W + r"sam\s+deploy\b"), (_UPLOAD, _EMPTY_OK)),
    Tool(
        "aws cloudformation deploy",
        re.compile(_W + r"(?:aws|awscli)\s+cloudformation\s+deploy\b"),
        (_UPLOAD, _EMPTY_OK),
    ),
    Tool("Terraform", re.compile(_W + r"(?:terraform|tofu)\s+apply\b"), ()),
    Tool("Pulumi", re.compile(_W + r"pulumi\s+up\b"), ()),
)
_TEARDOWN = re.compile(
    _W
    + r"(?:(?:sls|serverless|osls)\s+remove|cdk\s+destroy|sam\s+delete"
    + r"|cloudformation\s+delete-stack|(?:terraform|tofu|pulumi)\s+destroy)\b"
    + r"|\s-{1,2}destroy\b"
)


def deploy_tool(command: str) -> Tool | None:
    """The known tool `command` deploys with; None for a teardown or an unknown command."""
    if _TEARDOWN.search(command):
        return None
    return next((tool for tool in TOOLS if tool.pattern.search(command)), None)


def tears_down(command: str) -> bool:
    """Whether `command` removes what a deploy made (`sls remove`, `sam delete`, `cdk destroy`)."""
    return _TEARDOWN.search(command) is not None


def deploys(command: str) -> bool:
    """Whether a step running `command` deploys (and is rehearsed by default)."""
    return deploy_tool(command) is not None


def forced(command: str) -> str:
    """`command` made to redeploy for real: each known deploy invocation gets its force flags.

    >>> forced("sls deploy --stage dev")
    'sls deploy --force --stage dev'
    """
    for tool in TOOLS:
        missing = [
            flag
            for flag in tool.force_flags
            if not re.search(rf"(?:^|\s){re.escape(flag)}(?:\s|=|$)", command)
        ]
        if missing:
            command = tool.pattern.sub(rf"\g<0> {' '.join(missing)}", command)
    return command


def rehearsal_name(step_name: str) -> str:
    return f"{step_name}{UPDATE_SUFFIX}"


def rehearsal_command(run: str, rehearse_run: str | None) -> str:
    """The rehearsal's command: the step's own `rehearse_run`, else `run` forced."""
    return rehearse_run if rehearse_run is not None else forced(run)

"""What a step will deploy, known before it runs: one record per stack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autofix.config import Step
from autofix.step.runner import StepResult

Run = Callable[[Step], StepResult]
"""Runs a command as the step would (its directory, environment, PATH)."""


@dataclass(frozen=True)
class Packaged:
    """The template a step will deploy (or delete) and where.

    `verb` is the tool's own (`deploy`, `remove`, `delete`, `destroy`...), the key of its
    profile's commands; `removes` says the step deletes the stack. `role` is the ARN of the
    role CloudFormation acts as on the stack (CDK's execution role), None: the caller.
    """

    verb: str
    template: dict[str, Any]
    service: str
    stage: str
    region: str | None
    stack: str
    tool: str = "osls"
    removes: bool = False
    role: str | None = None
    passes_role: bool = False
    """The step's caller passes `role` to CloudFormation itself (`--role-arn` on its command
    line: iam:PassRole to cloudformation.amazonaws.com), not a role its tool assumes (CDK's
    deploy role, which passes the execution role)."""
    transforms: tuple[str, ...] = ()
    """The macros the template as written names (`AWS::Serverless-2016-10-31`): using one
    is the deployer's `cloudformation:CreateChangeSet` on it."""

    @classmethod
    def stack_of(
        cls,
        tool: str,
        verb: str,
        template: dict[str, Any],
        stack: str,
        region: str | None,
        removes: bool,
        **extra: Any,
    ) -> Packaged:
        """A tool's stack that is not a Serverless service's: the stack names it."""
        return cls(verb, template, stack, "", region, stack, tool, removes, **extra)


def transforms_of(template: dict[str, Any]) -> tuple[str, ...]:
    """The AWS-owned macros a template's `Transform` names (a name or a list)."""
    names = template.get("Transform")
    listed = [names] if isinstance(names, str) else names if isinstance(names, list) else []
    return tuple(n for n in listed if isinstance(n, str) and n.startswith("AWS::"))

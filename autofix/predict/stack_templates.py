"""What any CloudFormation tool deployed: the templates of the stacks an attempt touched.

For a step autofix cannot package ahead (not a Serverless deploy), the first attempt
that fails shows the stacks it created or changed; their templates (after transforms
when CloudFormation has them, and those of pending change sets) give the prediction.
YAML short forms (`!Ref`, `!GetAtt`, `!Sub`...) are read as the long forms they stand for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import yaml
from botocore.exceptions import BotoCoreError, ClientError

from autofix.account.stacks import CLOCK_SKEW

Templates = Callable[[float, tuple[str, ...]], list[tuple[str, dict[str, Any]]]]
"""(wall-clock start of the attempt, stack names the step names) -> (stack, template)."""


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML with CloudFormation's short forms turned into their long forms."""


def _short_form(loader: _Loader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        value: Any = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_scalar(node)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _short_form)


def parse(body: Any) -> dict[str, Any] | None:
    """A template as GetTemplate returns it (a document, JSON or YAML text)."""
    if isinstance(body, dict):
        return body
    if not isinstance(body, str):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        try:
            document = yaml.load(body, Loader=_Loader)
        except yaml.YAMLError:
            return None
    return document if isinstance(document, dict) else None


def reader(cfn: Any) -> Templates:
    """Reads the templates of the stacks touched since an attempt started."""

    def read(started: float, names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        since = datetime.fromtimestamp(started, tz=UTC) - CLOCK_SKEW
        found: list[tuple[str, dict[str, Any]]] = []
        try:
            stacks = _touched(cfn, since, names)
        except (ClientError, BotoCoreError):
            return []
        for name, stack_id in stacks:
            for request in _requests(cfn, stack_id):
                template = _get(cfn, request)
                if template is not None:
                    found.append((name, template))
                    break
        return found

    return read


def _touched(cfn: Any, since: datetime, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, id) of the stacks changed since `since`, deleted ones too: the attempt's
    failed stack may already have been cleaned up (its template stays readable by id)."""
    found: dict[str, tuple[str, str]] = {}
    for page in cfn.get_paginator("list_stacks").paginate():
        for summary in page["StackSummaries"]:
            stamps = [summary.get(k) for k in ("CreationTime", "LastUpdatedTime", "DeletionTime")]
            if max(t for t in stamps if t) >= since or summary["StackName"] in names:
                found.setdefault(summary["StackId"], (summary["StackName"], summary["StackId"]))
    return list(found.values())


def _requests(cfn: Any, stack_id: str) -> list[dict[str, str]]:
    requests = [
        {"StackName": stack_id, "TemplateStage": "Processed"},
        {"StackName": stack_id, "TemplateStage": "Original"},
    ]
    try:
        sets = cfn.list_change_sets(StackName=stack_id).get("Summaries", [])
    except (ClientError, BotoCoreError):
        sets = []
    for change_set in sets:  # a stack under review has its template only in a change set
        requests.append({"StackName": stack_id, "ChangeSetName": change_set["ChangeSetId"]})
    return requests


def _get(cfn: Any, request: dict[str, str]) -> dict[str, Any] | None:
    try:
        body = cfn.get_template(**request).get("TemplateBody")
    except (ClientError, BotoCoreError):
        return None
    template = parse(body)
    return template if template and template.get("Resources") else None

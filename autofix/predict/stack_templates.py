"""What any CloudFormation tool deployed: the templates of the stacks an attempt touched.

For a step autofix cannot package ahead (not a Serverless deploy), the first attempt
that fails shows the stacks it created or changed; their templates (after transforms
when CloudFormation has them, and those of pending change sets) give the prediction. A
template not processed yet (a SAM template whose transform has not run) is not read: a
later attempt's processed one is.
YAML short forms (`!Ref`, `!GetAtt`, `!Sub`...) are read as the long forms they stand for.
A stack that existed before the steps ran (`existing`: made by a setup step, such as CDK's
bootstrap stack) predicts nothing. On a stack CloudFormation deploys with a service role
(RoleARN, as CDK's execution role), the resources' demands are the role's (`acting`):
granted to it when it is in `principal.also_manage`, never to the deployer. A named
stack's nested stacks are read with it (a delete deletes them too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from autofix.account.stack_names import parse_template
from autofix.account.stacks import CLOCK_SKEW

NESTED_STACK = "AWS::CloudFormation::Stack"
Templates = Callable[[float, tuple[str, ...]], list[tuple[str, dict[str, Any]]]]
"""(wall-clock start of the attempt, stack names the step names) -> (stack, template)."""


def parse(body: Any) -> dict[str, Any] | None:
    """A template as GetTemplate returns it (a document, JSON or YAML text)."""
    return parse_template(body)


def existing_stacks(cfn: Any) -> frozenset[str]:
    """The ids of the stacks there now (before the steps run)."""
    try:
        return frozenset(
            summary["StackId"]
            for page in cfn.get_paginator("list_stacks").paginate()
            for summary in page["StackSummaries"]
        )
    except (ClientError, BotoCoreError):
        return frozenset()


def reader(cfn: Any, existing: frozenset[str] = frozenset()) -> Templates:
    """Reads the templates of the stacks touched since an attempt started."""

    def read(started: float, names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        since = datetime.fromtimestamp(started, tz=UTC) - CLOCK_SKEW
        found: list[tuple[str, dict[str, Any]]] = []
        try:
            stacks = _touched(cfn, since, names)
        except (ClientError, BotoCoreError):
            return []
        for name, stack_id in stacks:
            if stack_id in existing:
                continue
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
    for _, stack_id in [f for f in found.values() if f[0] in names]:
        found.update(_nested(cfn, stack_id))
    return list(found.values())


def _nested(cfn: Any, stack_id: str) -> dict[str, tuple[str, str]]:
    """The nested stacks (theirs too) of a stack the step names: deleted with it."""
    found: dict[str, tuple[str, str]] = {}
    try:
        listed = cfn.list_stack_resources(StackName=stack_id)
    except (ClientError, BotoCoreError):  # deleted since: its nested stacks with it
        return found
    resources = listed.get("StackResourceSummaries", [])
    for resource in resources:
        nested = str(resource.get("PhysicalResourceId") or "")  # its ARN (or its name)
        if resource.get("ResourceType") == NESTED_STACK and nested:
            found[nested] = (nested.split("/")[1] if nested.count("/") == 2 else nested, nested)
            found.update(_nested(cfn, nested))
    return found


SERVICE_ROLE_SESSION = "AWSCloudFormation"


def acting(cfn: Any) -> Callable[[str], str | None]:
    """Whom CloudFormation acts as on a stack: its service role's session, None: the caller."""

    def principal(stack: str) -> str | None:
        try:  # by id: the attempt's stack may be deleted already (rolled back, cleaned up)
            ids = [
                summary["StackId"]
                for page in cfn.get_paginator("list_stacks").paginate()
                for summary in sorted(
                    page["StackSummaries"], key=lambda x: x["CreationTime"], reverse=True
                )
                if summary["StackName"] == stack
            ]
            stacks = cfn.describe_stacks(StackName=ids[0]).get("Stacks", []) if ids else []
        except (ClientError, BotoCoreError):
            return None
        role = next((str(s["RoleARN"]) for s in stacks if s.get("RoleARN")), None)
        return service_role_session(role) if role else None

    return principal


def service_role_session(role: str) -> str | None:
    """The session CloudFormation acts as with the service role `role` (a role ARN)."""
    if ":role/" not in role:
        return None
    account, name = role.split(":")[4], role.rsplit("/", 1)[1]
    return f"arn:aws:sts::{account}:assumed-role/{name}/{SERVICE_ROLE_SESSION}"


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
        for stage in ("Processed", "Original"):
            requests.append(
                {
                    "StackName": stack_id,
                    "ChangeSetName": change_set["ChangeSetId"],
                    "TemplateStage": stage,
                }
            )
    return requests


def _get(cfn: Any, request: dict[str, str]) -> dict[str, Any] | None:
    try:
        body = cfn.get_template(**request).get("TemplateBody")
    except (ClientError, BotoCoreError):
        return None
    template = parse(body)
    if not template or not template.get("Resources") or template.get("Transform"):
        return None  # nothing to read, or not processed yet (a transform's own types)
    return template

"""CloudFormation's TemplateURL failure, read against the template that names the URL.

A stack event "TemplateURL must reference a valid S3 object to which you have access"
names no resource: CloudFormation reads the URL with the caller's access and says the same
when the caller may not read the object and when there is no object. The failed
resource's own TemplateURL (its stack's template, GetTemplate) names it:

- a literal S3 URL in any of its forms (virtual-hosted, path-style, regional, `s3://`;
  autofix.sandbox.cloudformation.demands.s3_urls) -> s3:GetObject on exactly that object;
- a value that names no S3 object (not a URL) -> no grant can help: not granted, saying
  why (AWS refuses the value for what it is), never s3:GetObject on `*`;
- an intrinsic the stack's template does not resolve, or no template -> as it was.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from autofix.account.stack_names import parse_template
from autofix.denials.model import Denial
from autofix.sandbox.cloudformation.demands.s3_urls import object_arn

__all__ = ["resolve"]

_FAILURE = re.compile(r"TemplateURL must reference a valid S3 object")
_GET_OBJECT = "s3:getobject"


def resolve(cfn: Any, stack_id: str, logical_id: str, reason: str, denial: Denial) -> Denial:
    """`denial` with the object the failed resource's TemplateURL names, or not granted
    when that names none; unchanged when it is not CloudFormation's TemplateURL failure."""
    if (
        denial.resource is not None
        or (denial.action or "").lower() != _GET_OBJECT
        or not _FAILURE.search(reason)
        or not stack_id.startswith("arn:")
    ):
        return denial
    url = _template_url(cfn, stack_id, logical_id)
    if not isinstance(url, str):
        return denial
    arn = object_arn(url, stack_id.split(":")[1])
    if arn is not None:
        return replace(denial, resource=arn)
    return replace(
        denial,
        not_granted=(
            f"the TemplateURL of {logical_id} ({url!r}) names no S3 object: CloudFormation "
            "refuses the value itself, and no grant can make it readable"
        ),
    )


def _template_url(cfn: Any, stack_id: str, logical_id: str) -> Any:
    try:
        body = cfn.get_template(StackName=stack_id).get("TemplateBody")
    except (ClientError, BotoCoreError):
        return None
    template = parse_template(body) or {}
    resource = (template.get("Resources") or {}).get(logical_id) or {}
    return (resource.get("Properties") or {}).get("TemplateURL")

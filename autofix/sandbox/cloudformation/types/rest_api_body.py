"""An AWS::ApiGateway::RestApi created from its Body, as CloudFormation creates it.

moto 5.2.5's handler requires `Name` and ignores `Body`, and its importer takes only
OpenAPI 3 documents, while SAM's `Api` events emit a swagger 2.0 Body and no Name. The
API then held no methods and its AWS::ApiGateway::Deployment failed ("The REST API
doesn't contain any methods"). Here the API takes its name from the Body's
`info.title` when Name is absent, and the Body's paths are imported: the resources,
methods and `x-amazon-apigateway-integration`s that moto's importer reads, which mean
the same in swagger 2.0 and OpenAPI 3. A Body kept in S3 (`BodyS3Location`) is not
read: the API is recorded as unverified.
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import APIGatewayBackend, RestAPI, apigateway_backends

from autofix.sandbox.cloudformation.types.stack_model import creates
from autofix.sandbox.records import unverified_log

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch"})
ANY_METHOD = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"


def openapi_paths(body: dict[str, Any]) -> dict[str, Any]:
    """The document moto's importer reads: each path's methods (ANY included), nothing else."""
    paths: dict[str, Any] = {}
    for path, item in (body.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        methods = {
            ("ANY" if key == ANY_METHOD else key): _method(doc)
            for key, doc in item.items()
            if isinstance(doc, dict) and (key.lower() in HTTP_METHODS or key == ANY_METHOD)
        }
        paths[path] = methods
    return {"openapi": "3.0.1", "info": body.get("info") or {}, "paths": paths}


def _method(doc: dict[str, Any]) -> dict[str, Any]:
    """A method's document; its integration type as API Gateway stores it (`AWS_PROXY`).

    An integration without a `uri` or `httpMethod` (a MOCK one, as SAM writes for CORS)
    gets empty ones: moto's importer passes only the fields present to a `put_integration`
    that requires both, and the API failed with TypeError."""
    integration = doc.get(INTEGRATION)
    if not isinstance(integration, dict) or not isinstance(integration.get("type"), str):
        return doc
    mended = {"uri": "", "httpMethod": "", **integration, "type": integration["type"].upper()}
    return {**doc, INTEGRATION: mended}


@creates
def create_rest_api(
    cls: type[RestAPI], given: str, props: dict[str, Any], account_id: str, region: str, **ids: Any
) -> RestAPI:
    """RestAPI.create_from_cloudformation_json: named from Body when Name is absent, with
    the Body's methods imported."""
    body = props.get("Body")
    info = body.get("info") if isinstance(body, dict) else None
    title = info.get("title") if isinstance(info, dict) else None
    name = props.get("Name") or title or given
    backend: APIGatewayBackend = apigateway_backends[account_id][region]
    api = backend.create_rest_api(
        name=str(name),
        description=props.get("Description", ""),
        endpoint_configuration=props.get("EndpointConfiguration"),
    )
    if isinstance(body, dict):
        backend.put_rest_api(api.id, openapi_paths(body), fail_on_warnings=False, mode="merge")
    elif props.get("BodyS3Location"):
        stack_id = str(ids.get("StackId", ""))  # arn:...:stack/NAME/ID
        unverified_log.record(
            "AWS::ApiGateway::RestApi",
            str(ids.get("LogicalId", given)),
            stack_id.split("/")[1] if stack_id.count("/") >= 2 else stack_id,
            "its BodyS3Location is not imported: the API's methods do not exist in the sandbox",
        )
    return api

"""Stack resource types moto's CloudFormation skips: S3 bucket policy, API Gateway stage."""

from __future__ import annotations

import json
from typing import Any

from moto.apigateway.models import apigateway_backends
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.utils import get_partition

from autofix.sandbox.cloudformation.types.stack_model import StackModel, creates


class StackBucketPolicy(StackModel, CloudFormationModel):
    """AWS::S3::BucketPolicy: puts the document on the bucket; Ref is the bucket name."""

    resource_type = "AWS::S3::BucketPolicy"

    def __init__(self, account_id: str, region_name: str, bucket: str, document: Any) -> None:
        self.account_id = account_id
        self.region_name = region_name
        self.bucket = bucket
        self.document = document if isinstance(document, str) else json.dumps(document)

    @property
    def physical_resource_id(self) -> str:
        return self.bucket

    def _backend(self) -> Any:
        return s3_backends[self.account_id][get_partition(self.region_name)]

    @classmethod
    def made(
        cls, name: str, props: dict[str, Any], account_id: str, region_name: str
    ) -> StackBucketPolicy:
        policy = cls(account_id, region_name, str(props["Bucket"]), props["PolicyDocument"])
        policy._backend().put_bucket_policy(policy.bucket, policy.document.encode())
        return policy

    @classmethod
    def updated(
        cls,
        original: StackBucketPolicy,
        name: str,
        props: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> StackBucketPolicy:
        """The same bucket's policy is replaced in place (a put); another bucket's is moved."""
        if str(props["Bucket"]) != original.bucket:
            original.delete(account_id, region_name)
        return cls.made(name, props, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        if self.bucket in self._backend().buckets:
            self._backend().delete_bucket_policy(self.bucket)


class StackApiStage(StackModel, CloudFormationModel):
    """AWS::ApiGateway::Stage: a stage of a rest API; Ref is the stage name."""

    resource_type = "AWS::ApiGateway::Stage"
    name_property = "StageName"

    def __init__(self, account_id: str, region_name: str, rest_api_id: str, name: str) -> None:
        self.account_id = account_id
        self.region_name = region_name
        self.rest_api_id = rest_api_id
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def made(
        cls, name: str, props: dict[str, Any], account_id: str, region_name: str
    ) -> StackApiStage:
        tags = {t["Key"]: t["Value"] for t in props.get("Tags") or []}
        apigateway_backends[account_id][region_name].create_stage(
            function_id=str(props["RestApiId"]),
            stage_name=name,
            deploymentId=str(props.get("DeploymentId") or ""),
            variables=props.get("Variables"),
            description=props.get("Description", ""),
            cacheClusterEnabled=props.get("CacheClusterEnabled"),
            cacheClusterSize=props.get("CacheClusterSize"),
            tags=tags or None,
            tracing_enabled=props.get("TracingEnabled"),
        )
        return cls(account_id, region_name, str(props["RestApiId"]), name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = apigateway_backends[account_id][region_name]
        if self.rest_api_id in backend.apis and self.name in backend.apis[self.rest_api_id].stages:
            backend.delete_stage(self.rest_api_id, self.name)


def bucket_permission(self: FakeBucket, action: str, resource: str) -> PermissionResult:
    """FakeBucket.get_permission without the statements moto cannot evaluate.

    moto reads any statement whose Condition it cannot match as an explicit deny, so
    the `Deny s3:* unless aws:SecureTransport` policy every Serverless deployment
    bucket gets would lock everyone out. Conditional statements are left out.
    """
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode())
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    kept = [s for s in statements if not s.get("Condition")]
    if not kept:
        return PermissionResult.NEUTRAL
    result: PermissionResult = IAMPolicy(
        json.dumps({**document, "Statement": kept})
    ).is_action_permitted(action, resource)
    return result


def install() -> None:
    """Make moto's CloudFormation see the models above (its type lists are cached)."""
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def layer_version_ref(layer_version: Any) -> str:
    """Ref of an AWS::Lambda::LayerVersion: its version ARN (`...:layer:NAME:VERSION`)."""
    return str(layer_version.arn)


def layer_version_name_property() -> str:
    """The property naming an AWS::Lambda::LayerVersion (moto says `LayerVersion`)."""
    return "LayerName"


@creates
def create_method(
    cls: type[Any], name: str, props: dict[str, Any], account_id: str, region_name: str, **_: Any
) -> Any:
    """AWS::ApiGateway::Method: its Integration, and the integration's method and URI, optional.

    A MOCK integration (a CORS OPTIONS method) has no IntegrationHttpMethod nor Uri. The
    integration's role (Credentials) and request settings are passed on: an AWS
    integration without its role failed ("Role ARN must be specified").
    """
    backend = apigateway_backends[account_id][region_name]
    method = backend.put_method(
        function_id=props["RestApiId"],
        resource_id=props["ResourceId"],
        method_type=props["HttpMethod"],
        authorization_type=props.get("AuthorizationType", "NONE"),
        api_key_required=props.get("ApiKeyRequired"),
    )
    integration = props.get("Integration")
    if integration:
        backend.put_integration(
            function_id=props["RestApiId"],
            resource_id=props["ResourceId"],
            method_type=props["HttpMethod"],
            integration_type=integration["Type"],
            uri=integration.get("Uri"),
            integration_method=integration.get("IntegrationHttpMethod"),
            credentials=integration.get("Credentials"),
            request_templates=integration.get("RequestTemplates"),
            passthrough_behavior=integration.get("PassthroughBehavior"),
            timeout_in_millis=integration.get("TimeoutInMillis"),
            request_parameters=integration.get("RequestParameters"),
            content_handling=integration.get("ContentHandling"),
            connection_type=integration.get("ConnectionType"),
        )
    return method

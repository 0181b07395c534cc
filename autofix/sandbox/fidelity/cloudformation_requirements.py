"""What each CloudFormation resource handler demands of its caller, by properties used.

The upper bound per resource type and operation is the provider schema's
`handlers.<op>.permissions` list (derived into autofix/data/cfn_handler_permissions.json
by scripts/derive_handler_permissions.py). The rules below narrow it to the calls a
handler makes for the properties present, and put each action on its real ARN.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal
from urllib.parse import quote

Operation = Literal["create", "update", "delete"]
Props = Mapping[str, Any]


@dataclass(frozen=True)
class HandlerCall:
    """One resource handler invocation: what CloudFormation is about to do."""

    resource_type: str
    operation: Operation
    logical_id: str
    physical_name: str
    properties: Props
    account_id: str
    region: str
    partition: str = "aws"
    physical_id: str | None = None  # known once the resource exists
    old_properties: Props = field(default_factory=dict)


@dataclass(frozen=True)
class Requirement:
    """An action the handler calls, on the resource it calls it on."""

    action: str
    resource: str
    after_create: bool = False  # the ARN holds an id the service assigns on creation


Rule = Callable[[HandlerCall], Iterable[Requirement]]


@cache
def handler_permission_bounds() -> dict[str, dict[str, frozenset[str]]]:
    """Resource type -> operation -> every action its provider schema lists (valid ones)."""
    text = (resources.files("autofix") / "data" / "cfn_handler_permissions.json").read_text()
    data = json.loads(text)["types"]
    return {t: {op: frozenset(acts) for op, acts in ops.items()} for t, ops in data.items()}


def requirements_for(call: HandlerCall) -> tuple[Requirement, ...]:
    """The actions (with resources) the handler needs for `call`, without duplicates."""
    rule = _RULES.get(call.resource_type)
    if rule is None:
        return ()
    from autofix.sandbox.fidelity import update_requirements  # update rules of their own

    seen: dict[tuple[str, str], Requirement] = {}
    for req in (*rule(call), *update_requirements.extra(call)):
        seen.setdefault((req.action, req.resource), req)
    return tuple(seen.values())


def covered_types() -> frozenset[str]:
    return frozenset(_RULES)


# ---------------------------------------------------------------- helpers


def _arn(call: HandlerCall, service: str, resource: str, region: bool = True) -> str:
    reg = call.region if region else ""
    return f"arn:{call.partition}:{service}:{reg}:{call.account_id}:{resource}"


def _has(props: Props, *keys: str) -> bool:
    return any(props.get(k) not in (None, "", [], {}) for k in keys)


def _changed(call: HandlerCall, *keys: str) -> bool:
    return any(call.properties.get(k) != call.old_properties.get(k) for k in keys)


def _tag_changes(call: HandlerCall, key: str = "Tags") -> tuple[bool, bool]:
    """(tags added or changed, tags removed) between old and new properties."""
    new = _tag_dict(call.properties.get(key))
    old = _tag_dict(call.old_properties.get(key))
    return (any(old.get(k) != v for k, v in new.items()), any(k not in new for k in old))


def _tag_dict(tags: Any) -> dict[str, Any]:
    if isinstance(tags, dict):
        return dict(tags)
    if isinstance(tags, list):
        return {str(t.get("Key")): t.get("Value") for t in tags if isinstance(t, dict)}
    return {}


def _tags(
    call: HandlerCall, arn: str, tag: str, untag: str, key: str = "Tags"
) -> list[Requirement]:
    if call.operation == "create":
        return [Requirement(tag, arn)] if _has(call.properties, key) else []
    if call.operation == "update":
        added, removed = _tag_changes(call, key)
        return [Requirement(a, arn) for a, on in ((tag, added), (untag, removed)) if on]
    return []


def _role_arn(call: HandlerCall, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return f"arn:{call.partition}:iam::{call.account_id}:role/{name_or_arn}"


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return [str(value)] if value else []


def _s3_object(call: HandlerCall, bucket: Any, key: Any) -> str:
    return f"arn:{call.partition}:s3:::{bucket}/{key}"


# ---------------------------------------------------------------- IAM


def _iam_role(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    path = str(p.get("Path") or "/")
    arn = f"arn:{call.partition}:iam::{call.account_id}:role{path}{call.physical_name}"
    if call.operation == "create":
        yield Requirement("iam:CreateRole", arn)
        if _has(p, "Policies"):
            yield Requirement("iam:PutRolePolicy", arn)
            yield Requirement("iam:GetRolePolicy", arn)
        if _has(p, "ManagedPolicyArns"):
            yield Requirement("iam:AttachRolePolicy", arn)
        yield from _tags(call, arn, "iam:TagRole", "iam:UntagRole")
        yield Requirement("iam:GetRole", arn)
    elif call.operation == "update":
        if _changed(call, "AssumeRolePolicyDocument"):
            yield Requirement("iam:UpdateAssumeRolePolicy", arn)
        if _changed(call, "Description"):
            yield Requirement("iam:UpdateRoleDescription", arn)
        if _changed(call, "MaxSessionDuration"):
            yield Requirement("iam:UpdateRole", arn)
        if _changed(call, "PermissionsBoundary"):
            verb = "Put" if _has(p, "PermissionsBoundary") else "Delete"
            yield Requirement(f"iam:{verb}RolePermissionsBoundary", arn)
        if _changed(call, "Policies"):
            new = {x.get("PolicyName") for x in p.get("Policies") or []}
            old = {x.get("PolicyName") for x in call.old_properties.get("Policies") or []}
            if new:
                yield Requirement("iam:PutRolePolicy", arn)
            if old - new:
                yield Requirement("iam:DeleteRolePolicy", arn)
        if _changed(call, "ManagedPolicyArns"):
            new = set(p.get("ManagedPolicyArns") or [])
            old = set(call.old_properties.get("ManagedPolicyArns") or [])
            if new - old:
                yield Requirement("iam:AttachRolePolicy", arn)
            if old - new:
                yield Requirement("iam:DetachRolePolicy", arn)
        yield from _tags(call, arn, "iam:TagRole", "iam:UntagRole")
    else:
        yield Requirement("iam:GetRole", arn)
        yield Requirement("iam:ListAttachedRolePolicies", arn)
        if _has(p, "ManagedPolicyArns"):
            yield Requirement("iam:DetachRolePolicy", arn)
        yield Requirement("iam:ListRolePolicies", arn)
        if _has(p, "Policies"):
            yield Requirement("iam:DeleteRolePolicy", arn)
        yield Requirement("iam:DeleteRole", arn)


def _principals(call: HandlerCall, props: Props) -> Iterable[tuple[str, str]]:
    """(kind, ARN) for each role, user and group a policy goes to."""
    iam = f"arn:{call.partition}:iam::{call.account_id}"
    for role in _names(props.get("Roles")):
        yield "Role", _role_arn(call, role)
    for user in _names(props.get("Users")):
        yield "User", user if user.startswith("arn:") else f"{iam}:user/{user}"
    for group in _names(props.get("Groups")):
        yield "Group", group if group.startswith("arn:") else f"{iam}:group/{group}"


def _iam_policy(call: HandlerCall) -> Iterable[Requirement]:
    new = set(_principals(call, call.properties))
    if call.operation == "create":
        for kind, arn in sorted(new):
            yield Requirement(f"iam:Put{kind}Policy", arn)
            yield Requirement(f"iam:Get{kind}Policy", arn)
    elif call.operation == "update":
        for kind, arn in sorted(new):
            yield Requirement(f"iam:Put{kind}Policy", arn)
        for kind, arn in sorted(set(_principals(call, call.old_properties)) - new):
            yield Requirement(f"iam:Delete{kind}Policy", arn)
    else:
        for kind, arn in sorted(new):
            yield Requirement(f"iam:Delete{kind}Policy", arn)


def _iam_managed_policy(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    path = str(p.get("Path") or "/")
    name = call.physical_id.rsplit("/", 1)[-1] if call.physical_id else call.physical_name
    name = str(p.get("ManagedPolicyName") or name)
    arn = f"arn:{call.partition}:iam::{call.account_id}:policy{path}{name}"
    attached = set(_principals(call, p))
    if call.operation == "create":
        yield Requirement("iam:CreatePolicy", arn)
        for kind, _ in sorted(attached):
            yield Requirement(f"iam:Attach{kind}Policy", _principal_of(call, p, kind))
    elif call.operation == "update":
        yield Requirement("iam:GetPolicy", arn)
        if _changed(call, "PolicyDocument"):
            yield Requirement("iam:ListPolicyVersions", arn)
            yield Requirement("iam:CreatePolicyVersion", arn)
        old = set(_principals(call, call.old_properties))
        for kind, target in sorted(attached - old):
            yield Requirement(f"iam:Attach{kind}Policy", target)
        for kind, target in sorted(old - attached):
            yield Requirement(f"iam:Detach{kind}Policy", target)
    else:
        yield Requirement("iam:GetPolicy", arn)
        yield Requirement("iam:ListEntitiesForPolicy", arn)
        for kind, target in sorted(attached):
            yield Requirement(f"iam:Detach{kind}Policy", target)
        yield Requirement("iam:ListPolicyVersions", arn)
        yield Requirement("iam:DeletePolicy", arn)


def _principal_of(call: HandlerCall, props: Props, kind: str) -> str:
    # IAM authorises Attach*Policy on the role, user or group it attaches to.
    return next(arn for k, arn in sorted(_principals(call, props)) if k == kind)


# ---------------------------------------------------------------- Lambda


def _function_arn(call: HandlerCall, name_or_arn: Any) -> str:
    text = str(name_or_arn)
    if text.startswith("arn:"):
        return text
    return _arn(call, "lambda", f"function:{text}")


def _lambda_function(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    arn = _function_arn(call, call.physical_name)
    code = p.get("Code") or {}
    role = p.get("Role")

    def code_access() -> Iterable[Requirement]:
        if isinstance(code, dict) and code.get("S3Bucket"):
            obj = _s3_object(call, code["S3Bucket"], code.get("S3Key", ""))
            yield Requirement("s3:GetObject", obj)
            if code.get("S3ObjectVersion"):
                yield Requirement("s3:GetObjectVersion", obj)

    def config_extras() -> Iterable[Requirement]:
        if _has(p, "VpcConfig"):
            for action in ("ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"):
                yield Requirement(action, "*")
        if _has(p, "KmsKeyArn"):
            yield Requirement("kms:CreateGrant", str(p["KmsKeyArn"]))
            if call.operation == "create":
                yield Requirement("kms:Encrypt", str(p["KmsKeyArn"]))
        if _has(p, "FileSystemConfigs"):
            yield Requirement("elasticfilesystem:DescribeMountTargets", "*")
        if call.operation == "create":  # an update passes layer ARNs without reading them
            for layer in _names(p.get("Layers")):
                yield Requirement("lambda:GetLayerVersion", layer)

    if call.operation == "create":
        yield from code_access()
        if role:
            yield Requirement("iam:PassRole", _role_arn(call, str(role)))
        yield from config_extras()
        yield Requirement("lambda:CreateFunction", arn)
        yield from _tags(call, arn, "lambda:TagResource", "lambda:UntagResource")
        if _has(p, "ReservedConcurrentExecutions"):
            yield Requirement("lambda:PutFunctionConcurrency", arn)
        if _has(p, "RuntimeManagementConfig"):
            yield Requirement("lambda:PutRuntimeManagementConfig", arn)
        if _has(p, "CodeSigningConfigArn"):
            yield Requirement("lambda:GetCodeSigningConfig", str(p["CodeSigningConfigArn"]))
        if _has(p, "RecursiveLoop"):
            yield Requirement("lambda:PutFunctionRecursionConfig", arn)
        yield Requirement("lambda:GetFunction", arn)
    elif call.operation == "update":
        yield Requirement("lambda:GetFunction", arn)
        if _changed(call, "Code"):
            yield from code_access()
            yield Requirement("lambda:UpdateFunctionCode", arn)
        config_keys = [k for k in set(p) | set(call.old_properties)]
        config_keys = [
            k for k in config_keys if k not in ("Code", "Tags", "ReservedConcurrentExecutions")
        ]
        if _changed(call, *config_keys):
            if role:
                yield Requirement("iam:PassRole", _role_arn(call, str(role)))
            yield from config_extras()
            yield Requirement("lambda:UpdateFunctionConfiguration", arn)
        if _changed(call, "ReservedConcurrentExecutions"):
            verb = "Put" if _has(p, "ReservedConcurrentExecutions") else "Delete"
            yield Requirement(f"lambda:{verb}FunctionConcurrency", arn)
        yield from _tags(call, arn, "lambda:TagResource", "lambda:UntagResource")
    else:
        yield Requirement("lambda:GetFunction", arn)
        if _has(p, "VpcConfig"):
            yield Requirement("ec2:DescribeNetworkInterfaces", "*")
        yield Requirement("lambda:DeleteFunction", arn)


def _lambda_version(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    function = _function_arn(call, p.get("FunctionName", ""))
    if call.operation == "create":
        yield Requirement("lambda:PublishVersion", function)
        if _has(p, "ProvisionedConcurrencyConfig"):
            yield Requirement("lambda:PutProvisionedConcurrencyConfig", function)
        if _has(p, "RuntimePolicy"):
            yield Requirement("lambda:PutRuntimeManagementConfig", function)
        yield Requirement("lambda:GetFunctionConfiguration", function)
    elif call.operation == "update":
        yield Requirement("lambda:GetFunctionConfiguration", function)
    else:
        version = (
            call.physical_id
            if call.physical_id and call.physical_id.startswith("arn:")
            else function
        )
        yield Requirement("lambda:GetFunctionConfiguration", version)
        yield Requirement("lambda:DeleteFunction", version)


def _lambda_permission(call: HandlerCall) -> Iterable[Requirement]:
    function = _function_arn(call, call.properties.get("FunctionName", ""))
    if call.operation == "create":
        yield Requirement("lambda:AddPermission", function)
    elif call.operation == "delete":
        yield Requirement("lambda:RemovePermission", function)


def _lambda_layer_version(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    name = str(p.get("LayerName") or call.physical_name)
    layer = name if name.startswith("arn:") else _arn(call, "lambda", f"layer:{name}")
    if call.operation == "create":
        content = p.get("Content") or {}
        if isinstance(content, dict) and content.get("S3Bucket"):
            obj = _s3_object(call, content["S3Bucket"], content.get("S3Key", ""))
            yield Requirement("s3:GetObject", obj)
            if content.get("S3ObjectVersion"):
                yield Requirement("s3:GetObjectVersion", obj)
        yield Requirement("lambda:PublishLayerVersion", layer)
    elif call.operation == "delete":
        version = call.physical_id or layer
        yield Requirement("lambda:GetLayerVersion", version)
        yield Requirement("lambda:DeleteLayerVersion", version)


def _lambda_event_source_mapping(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    mapping = _arn(call, "lambda", f"event-source-mapping:{call.physical_id or '*'}")
    after = True  # checked once the service has assigned the id
    if call.operation == "create":
        yield Requirement("lambda:CreateEventSourceMapping", "*")
        if _has(p, "KmsKeyArn"):
            yield Requirement("kms:DescribeKey", str(p["KmsKeyArn"]))
        if _has(p, "Tags"):
            yield Requirement("lambda:TagResource", mapping, after_create=after)
        yield Requirement("lambda:GetEventSourceMapping", mapping, after_create=after)
    elif call.operation == "update":
        yield Requirement("lambda:UpdateEventSourceMapping", mapping)
        yield from _tags(call, mapping, "lambda:TagResource", "lambda:UntagResource")
        yield Requirement("lambda:GetEventSourceMapping", mapping)
    else:
        yield Requirement("lambda:DeleteEventSourceMapping", mapping)
        yield Requirement("lambda:GetEventSourceMapping", mapping)


# ---------------------------------------------------------------- Logs, S3


def _log_group(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    name = str(p.get("LogGroupName") or call.physical_name)
    arn = _arn(call, "logs", f"log-group:{name}:*")
    describe = _arn(call, "logs", "log-group::log-stream:")
    if call.operation == "create":
        yield Requirement("logs:CreateLogGroup", arn)
        if _has(p, "RetentionInDays"):
            yield Requirement("logs:PutRetentionPolicy", arn)
        if _has(p, "DataProtectionPolicy"):
            yield Requirement("logs:PutDataProtectionPolicy", arn)
        yield from _tags(call, arn, "logs:TagResource", "logs:UntagResource")
        yield Requirement("logs:DescribeLogGroups", describe)
    elif call.operation == "update":
        if _changed(call, "RetentionInDays"):
            verb = "Put" if _has(p, "RetentionInDays") else "Delete"
            yield Requirement(f"logs:{verb}RetentionPolicy", arn)
        if _changed(call, "KmsKeyId"):
            verb = "Associate" if _has(p, "KmsKeyId") else "Disassociate"
            yield Requirement(f"logs:{verb}KmsKey", arn)
        if _changed(call, "DataProtectionPolicy"):
            yield Requirement("logs:PutDataProtectionPolicy", arn)
        yield from _tags(call, arn, "logs:TagResource", "logs:UntagResource")
        yield Requirement("logs:DescribeLogGroups", describe)
    else:
        yield Requirement("logs:DescribeLogGroups", describe)
        yield Requirement("logs:DeleteLogGroup", arn)


# property -> the action that writes it (real S3 actions; a removal is a Put* too)
_BUCKET_CONFIG_ACTIONS = {
    "AccelerateConfiguration": "s3:PutAccelerateConfiguration",
    "AnalyticsConfigurations": "s3:PutAnalyticsConfiguration",
    "BucketEncryption": "s3:PutEncryptionConfiguration",
    "CorsConfiguration": "s3:PutBucketCORS",
    "IntelligentTieringConfigurations": "s3:PutIntelligentTieringConfiguration",
    "InventoryConfigurations": "s3:PutInventoryConfiguration",
    "LifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "LoggingConfiguration": "s3:PutBucketLogging",
    "MetricsConfigurations": "s3:PutMetricsConfiguration",
    "NotificationConfiguration": "s3:PutBucketNotification",
    "ObjectLockConfiguration": "s3:PutBucketObjectLockConfiguration",
    "OwnershipControls": "s3:PutBucketOwnershipControls",
    "PublicAccessBlockConfiguration": "s3:PutBucketPublicAccessBlock",
    "ReplicationConfiguration": "s3:PutReplicationConfiguration",
    "VersioningConfiguration": "s3:PutBucketVersioning",
    "WebsiteConfiguration": "s3:PutBucketWebsite",
}


def _s3_bucket(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    arn = f"arn:{call.partition}:s3:::{p.get('BucketName') or call.physical_name}"
    if call.operation == "create":
        yield Requirement("s3:CreateBucket", arn)
        for prop, action in _BUCKET_CONFIG_ACTIONS.items():
            if _has(p, prop):
                yield Requirement(action, arn)
        if _has(p, "ReplicationConfiguration"):
            role = (p.get("ReplicationConfiguration") or {}).get("Role")
            if role:
                yield Requirement("iam:PassRole", _role_arn(call, str(role)))
        yield from _tags(call, arn, "s3:PutBucketTagging", "s3:PutBucketTagging")
    elif call.operation == "update":
        for prop, action in _BUCKET_CONFIG_ACTIONS.items():
            if _changed(call, prop):
                yield Requirement(action, arn)
        if _changed(call, "AccessControl"):
            yield Requirement("s3:PutBucketAcl", arn)
        yield from _tags(call, arn, "s3:PutBucketTagging", "s3:PutBucketTagging")
    else:
        yield Requirement("s3:ListBucket", arn)
        yield Requirement("s3:DeleteBucket", arn)


def _s3_bucket_policy(call: HandlerCall) -> Iterable[Requirement]:
    arn = f"arn:{call.partition}:s3:::{call.properties.get('Bucket', '')}"
    yield Requirement("s3:GetBucketPolicy", arn)
    verb = "Delete" if call.operation == "delete" else "Put"
    yield Requirement(f"s3:{verb}BucketPolicy", arn)


# ---------------------------------------------------------------- API Gateway


def _apigw(call: HandlerCall, verb: str, path: str, after_create: bool = False) -> Requirement:
    return Requirement(
        f"apigateway:{verb}",
        f"arn:{call.partition}:apigateway:{call.region}::{path}",
        after_create=after_create,
    )


def _rest_api(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    api = f"/restapis/{call.physical_id or '*'}"
    after = True  # checked once the service has assigned the id
    if call.operation == "create":
        yield _apigw(call, "POST", "/restapis")
        if _has(p, "Body", "BodyS3Location"):
            location = p.get("BodyS3Location") or {}
            if isinstance(location, dict) and location.get("Bucket"):
                yield Requirement(
                    "s3:GetObject", _s3_object(call, location["Bucket"], location.get("Key", ""))
                )
            yield _apigw(call, "PUT", api, after)
        if _has(p, "Policy"):
            yield Requirement(
                "apigateway:UpdateRestApiPolicy", _apigw(call, "PATCH", api).resource, after
            )
        if _has(
            p,
            "BinaryMediaTypes",
            "MinimumCompressionSize",
            "DisableExecuteApiEndpoint",
            "ApiKeySourceType",
        ):
            yield _apigw(call, "PATCH", api, after)
        yield _apigw(call, "GET", api, after)
    elif call.operation == "update":
        yield _apigw(call, "GET", api)
        if _changed(call, "Body", "BodyS3Location"):
            yield _apigw(call, "PUT", api)
        if _changed(call, "Policy"):
            yield Requirement("apigateway:UpdateRestApiPolicy", _apigw(call, "PATCH", api).resource)
        yield _apigw(call, "PATCH", api)
    else:
        yield _apigw(call, "DELETE", api)


def _api_resource(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    api = f"/restapis/{p.get('RestApiId', '')}"
    if call.operation == "create":
        yield _apigw(call, "POST", f"{api}/resources/{p.get('ParentId', '')}")
    elif call.operation == "update":
        yield _apigw(call, "GET", f"{api}/resources/{call.physical_id}")
        yield _apigw(call, "PATCH", f"{api}/resources/{call.physical_id}")
    else:
        yield _apigw(call, "DELETE", f"{api}/resources/{call.physical_id}")


def _api_method(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    path = (
        f"/restapis/{p.get('RestApiId', '')}/resources/{p.get('ResourceId', '')}"
        f"/methods/{str(p.get('HttpMethod', '')).upper()}"
    )
    integration = p.get("Integration") or {}
    credentials = integration.get("Credentials") if isinstance(integration, dict) else None
    if call.operation in ("create", "update"):
        if credentials and str(credentials).startswith("arn:") and ":role/" in str(credentials):
            yield Requirement("iam:PassRole", str(credentials))
        if call.operation == "update":
            yield _apigw(call, "DELETE", path)
        yield _apigw(call, "PUT", path)
        yield _apigw(call, "GET", path)
    else:
        yield _apigw(call, "DELETE", path)


def _api_deployment(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    api = f"/restapis/{p.get('RestApiId', '')}"
    deployment = f"{api}/deployments/{call.physical_id or '*'}"
    after = True  # checked once the service has assigned the id
    if call.operation == "create":
        yield _apigw(call, "POST", f"{api}/deployments")
        if _has(p, "StageDescription"):
            yield _apigw(call, "PATCH", f"{api}/stages/{p.get('StageName', '')}", after)
        yield _apigw(call, "GET", deployment, after)
    elif call.operation == "update":
        yield _apigw(call, "GET", deployment)
        yield _apigw(call, "PATCH", deployment)
    else:
        yield _apigw(call, "GET", deployment)
        yield _apigw(call, "DELETE", deployment)


def _api_stage(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    api = f"/restapis/{p.get('RestApiId', '')}"
    stage = f"{api}/stages/{p.get('StageName') or call.physical_name}"
    patched = (
        "MethodSettings",
        "TracingEnabled",
        "AccessLogSetting",
        "CanarySetting",
        "ClientCertificateId",
    )
    if call.operation == "create":
        yield _apigw(call, "POST", f"{api}/stages")
        if _has(p, *patched):
            yield _apigw(call, "PATCH", stage)
        if _has(p, "Tags"):
            yield _apigw(
                call, "PUT", "/tags/" + quote(_apigw(call, "GET", stage).resource, safe="")
            )
        yield _apigw(call, "GET", stage)
    elif call.operation == "update":
        yield _apigw(call, "GET", stage)
        yield _apigw(call, "PATCH", stage)
    else:
        yield _apigw(call, "DELETE", stage)


# ---------------------------------------------------------------- Events, SQS, SNS, DynamoDB, SSM


def _events_rule(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    bus = p.get("EventBusName")
    name = str(p.get("Name") or call.physical_name)
    path = f"rule/{bus}/{name}" if bus and bus != "default" else f"rule/{name}"
    arn = _arn(call, "events", path)
    roles = [str(p["RoleArn"])] if p.get("RoleArn") else []
    roles += [
        str(t["RoleArn"])
        for t in p.get("Targets") or []
        if isinstance(t, dict) and t.get("RoleArn")
    ]
    if call.operation in ("create", "update"):
        for role in roles:
            yield Requirement("iam:PassRole", role)
        yield Requirement("events:PutRule", arn)
        if _has(p, "Targets") and (call.operation == "create" or _changed(call, "Targets")):
            yield Requirement("events:PutTargets", arn)
        if (
            call.operation == "update"
            and _has(call.old_properties, "Targets")
            and _changed(call, "Targets")
        ):
            yield Requirement("events:RemoveTargets", arn)
        yield from _tags(call, arn, "events:TagResource", "events:UntagResource")
        yield Requirement("events:DescribeRule", arn)
    else:
        yield Requirement("events:DescribeRule", arn)
        yield Requirement("events:ListTargetsByRule", arn)
        if _has(p, "Targets"):
            yield Requirement("events:RemoveTargets", arn)
        yield Requirement("events:DeleteRule", arn)


def _sqs_queue(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    name = str(p.get("QueueName") or call.physical_name)
    if p.get("FifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    arn = _arn(call, "sqs", name)
    if call.operation == "create":
        yield Requirement("sqs:CreateQueue", arn)
        yield Requirement("sqs:GetQueueUrl", arn)
        yield Requirement("sqs:GetQueueAttributes", arn)
        if _has(p, "Tags"):
            yield Requirement("sqs:TagQueue", arn)
            yield Requirement("sqs:ListQueueTags", arn)
    elif call.operation == "update":
        yield Requirement("sqs:SetQueueAttributes", arn)
        yield Requirement("sqs:GetQueueAttributes", arn)
        yield from _tags(call, arn, "sqs:TagQueue", "sqs:UntagQueue")
    else:
        yield Requirement("sqs:GetQueueAttributes", arn)
        yield Requirement("sqs:DeleteQueue", arn)


def _sns_topic(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    name = str(p.get("TopicName") or call.physical_name)
    if p.get("FifoTopic") and not name.endswith(".fifo"):
        name += ".fifo"
    arn = _arn(call, "sns", name)
    if call.operation == "create":
        yield Requirement("sns:CreateTopic", arn)
        yield from _tags(call, arn, "sns:TagResource", "sns:UntagResource")
        if _has(p, "Subscription"):
            yield Requirement("sns:Subscribe", arn)
        if _has(p, "DataProtectionPolicy"):
            yield Requirement("sns:PutDataProtectionPolicy", arn)
        yield Requirement("sns:GetTopicAttributes", arn)
    elif call.operation == "update":
        yield Requirement("sns:GetTopicAttributes", arn)
        if _changed(
            call,
            *[k for k in set(p) | set(call.old_properties) if k not in ("Tags", "Subscription")],
        ):
            yield Requirement("sns:SetTopicAttributes", arn)
        if _changed(call, "Subscription"):
            yield Requirement("sns:ListSubscriptionsByTopic", arn)
            yield Requirement("sns:Subscribe", arn)
            yield Requirement("sns:Unsubscribe", arn)
        yield from _tags(call, arn, "sns:TagResource", "sns:UntagResource")
    else:
        yield Requirement("sns:GetTopicAttributes", arn)
        yield Requirement("sns:DeleteTopic", arn)


def _dynamodb_table(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    arn = _arn(call, "dynamodb", f"table/{p.get('TableName') or call.physical_name}")
    extras = {
        "TimeToLiveSpecification": ("dynamodb:UpdateTimeToLive", "dynamodb:DescribeTimeToLive"),
        "PointInTimeRecoverySpecification": (
            "dynamodb:UpdateContinuousBackups",
            "dynamodb:DescribeContinuousBackups",
        ),
        "ContributorInsightsSpecification": (
            "dynamodb:UpdateContributorInsights",
            "dynamodb:DescribeContributorInsights",
        ),
        "KinesisStreamSpecification": (
            "dynamodb:EnableKinesisStreamingDestination",
            "dynamodb:DescribeKinesisStreamingDestination",
        ),
        "ResourcePolicy": ("dynamodb:PutResourcePolicy", "dynamodb:GetResourcePolicy"),
    }
    if call.operation == "create":
        yield Requirement("dynamodb:CreateTable", arn)
        yield Requirement("dynamodb:DescribeTable", arn)
        for prop, actions in extras.items():
            if _has(p, prop):
                yield from (Requirement(a, arn) for a in actions)
        if _has(p, "ImportSourceSpecification"):
            yield Requirement("dynamodb:ImportTable", arn)
        yield from _tags(call, arn, "dynamodb:TagResource", "dynamodb:UntagResource")
    elif call.operation == "update":
        yield Requirement("dynamodb:DescribeTable", arn)
        if _changed(
            call,
            "BillingMode",
            "ProvisionedThroughput",
            "GlobalSecondaryIndexes",
            "StreamSpecification",
            "SSESpecification",
            "AttributeDefinitions",
            "TableClass",
            "DeletionProtectionEnabled",
        ):
            yield Requirement("dynamodb:UpdateTable", arn)
        for prop, actions in extras.items():
            if _changed(call, prop):
                yield from (Requirement(a, arn) for a in actions)
        yield from _tags(call, arn, "dynamodb:TagResource", "dynamodb:UntagResource")
    else:
        yield Requirement("dynamodb:DescribeTable", arn)
        yield Requirement("dynamodb:DeleteTable", arn)


def _ssm_parameter(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    name = str(p.get("Name") or call.physical_name).lstrip("/")
    arn = _arn(call, "ssm", f"parameter/{name}")
    if call.operation == "create" or call.operation == "update":
        yield Requirement("ssm:PutParameter", arn)
        yield from _tags(call, arn, "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource")
        yield Requirement("ssm:GetParameters", arn)
    else:
        yield Requirement("ssm:DeleteParameter", arn)


_RULES: dict[str, Rule] = {
    "AWS::ApiGateway::Deployment": _api_deployment,
    "AWS::ApiGateway::Method": _api_method,
    "AWS::ApiGateway::Resource": _api_resource,
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGateway::Stage": _api_stage,
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::Events::Rule": _events_rule,
    "AWS::IAM::ManagedPolicy": _iam_managed_policy,
    "AWS::IAM::Policy": _iam_policy,
    "AWS::IAM::Role": _iam_role,
    "AWS::Lambda::EventSourceMapping": _lambda_event_source_mapping,
    "AWS::Lambda::Function": _lambda_function,
    "AWS::Lambda::LayerVersion": _lambda_layer_version,
    "AWS::Lambda::Permission": _lambda_permission,
    "AWS::Lambda::Version": _lambda_version,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::S3::Bucket": _s3_bucket,
    "AWS::S3::BucketPolicy": _s3_bucket_policy,
    "AWS::SNS::Topic": _sns_topic,
    "AWS::SQS::Queue": _sqs_queue,
    "AWS::SSM::Parameter": _ssm_parameter,
}

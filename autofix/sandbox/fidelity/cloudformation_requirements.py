"""What each CloudFormation resource handler demands of its caller, by properties used.

The upper bound per resource type and operation is the provider schema's
`handlers.<op>.permissions` list (derived into autofix/data/cfn_types.json by
scripts/derive_handler_permissions.py; see cloudformation_schema). The rules below
narrow it to the calls a handler makes for the properties present, and put each
action on its real ARN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any
from urllib.parse import quote

from autofix.sandbox.fidelity.cloudformation_calls import (
    HandlerCall,
    Operation,
    Props,
    Requirement,
    Tier,
    tag_changes,
)
from autofix.sandbox.fidelity.cloudformation_rule_data import (
    data_rule_types,
    requirements_from_data,
)
from autofix.sandbox.fidelity.cloudformation_schema import bounds

__all__ = [
    "HandlerCall",
    "Operation",
    "Props",
    "Requirement",
    "Tier",
    "covered_types",
    "handler_permission_bounds",
    "requirements_for",
    "tag_changes",
]

Rule = Callable[[HandlerCall], Iterable[Requirement]]


@cache
def handler_permission_bounds() -> dict[str, dict[str, frozenset[str]]]:
    """Resource type with a rule -> operation -> every action its provider schema lists."""
    return {t: bounds(t) for t in covered_types()}


def requirements_for(call: HandlerCall) -> tuple[Requirement, ...]:
    """The actions (with resources) the handler's rule names for `call`, without duplicates.

    The rule is data (autofix/data/cfn_rules.json) unless the type is irregular
    enough to be written in code below.
    """
    rule = _RULES.get(call.resource_type)
    if rule is not None:
        found: Iterable[Requirement] = rule(call)
    elif call.resource_type in data_rule_types():
        found = requirements_from_data(call)
    else:
        return ()
    seen: dict[tuple[str, str], Requirement] = {}
    for req in found:
        seen.setdefault((req.action, req.resource), req)
    return tuple(seen.values())


def covered_types() -> frozenset[str]:
    """The types with a property-aware rule (as data, or in code)."""
    return frozenset(_RULES) | data_rule_types()


# ---------------------------------------------------------------- helpers


def _arn(call: HandlerCall, service: str, resource: str, region: bool = True) -> str:
    reg = call.region if region else ""
    return f"arn:{call.partition}:{service}:{reg}:{call.account_id}:{resource}"


def _has(props: Props, *keys: str) -> bool:
    return any(props.get(k) not in (None, "", [], {}) for k in keys)


def _changed(call: HandlerCall, *keys: str) -> bool:
    return any(call.properties.get(k) != call.old_properties.get(k) for k in keys)


def _tags(
    call: HandlerCall, arn: str, tag: str, untag: str, key: str = "Tags"
) -> list[Requirement]:
    if call.operation == "create":
        return [Requirement(tag, arn)] if _has(call.properties, key) else []
    if call.operation == "update":
        added, removed = tag_changes(call, key)
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


# ---------------------------------------------------------------- API Gateway (REST)


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


# ---------------------------------------------------------------- Events, SQS, SNS


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


_RULES: dict[str, Rule] = {
    "AWS::ApiGateway::Method": _api_method,
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGateway::Stage": _api_stage,
    "AWS::Events::Rule": _events_rule,
    "AWS::IAM::ManagedPolicy": _iam_managed_policy,
    "AWS::IAM::Policy": _iam_policy,
    "AWS::IAM::Role": _iam_role,
    "AWS::Lambda::Function": _lambda_function,
    "AWS::Lambda::LayerVersion": _lambda_layer_version,
    "AWS::Lambda::Version": _lambda_version,
    "AWS::SNS::Topic": _sns_topic,
    "AWS::SQS::Queue": _sqs_queue,
}

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
    build_arn,
    changed_any,
    has_any,
    name_list,
    role_arn_of,
    s3_object_arn,
    tag_changes,
    tag_demands,
)
from autofix.sandbox.fidelity.cloudformation_rule_data import (
    data_rule_types,
    requirements_from_data,
)
from autofix.sandbox.fidelity.cloudformation_rules_iam import (
    iam_managed_policy,
    iam_policy,
    iam_role,
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
    from autofix.sandbox.fidelity import update_requirements  # update rules of their own

    seen: dict[tuple[str, str], Requirement] = {}
    for req in (*found, *update_requirements.extra(call)):
        seen.setdefault((req.action, req.resource), req)
    return tuple(seen.values())


def covered_types() -> frozenset[str]:
    """The types with a property-aware rule (as data, or in code)."""
    return frozenset(_RULES) | data_rule_types()


# ---------------------------------------------------------------- Lambda


def _function_arn(call: HandlerCall, name_or_arn: Any) -> str:
    text = str(name_or_arn)
    if text.startswith("arn:"):
        return text
    return build_arn(call, "lambda", f"function:{text}")


def _lambda_function(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    arn = _function_arn(call, call.physical_name)
    code = p.get("Code") or {}
    role = p.get("Role")

    def code_access() -> Iterable[Requirement]:
        if isinstance(code, dict) and code.get("S3Bucket"):
            obj = s3_object_arn(call, code["S3Bucket"], code.get("S3Key", ""))
            yield Requirement("s3:GetObject", obj)
            if code.get("S3ObjectVersion"):
                yield Requirement("s3:GetObjectVersion", obj)

    def config_extras() -> Iterable[Requirement]:
        if has_any(p, "VpcConfig"):
            for action in ("ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"):
                yield Requirement(action, "*")
        if has_any(p, "KmsKeyArn"):
            yield Requirement("kms:CreateGrant", str(p["KmsKeyArn"]))
            if call.operation == "create":
                yield Requirement("kms:Encrypt", str(p["KmsKeyArn"]))
        if has_any(p, "FileSystemConfigs"):
            yield Requirement("elasticfilesystem:DescribeMountTargets", "*")
        if call.operation == "create":  # an update passes layer ARNs without reading them
            for layer in name_list(p.get("Layers")):
                yield Requirement("lambda:GetLayerVersion", layer)

    if call.operation == "create":
        yield from code_access()
        if role:
            yield Requirement("iam:PassRole", role_arn_of(call, str(role)))
        yield from config_extras()
        yield Requirement("lambda:CreateFunction", arn)
        yield from tag_demands(call, arn, "lambda:TagResource", "lambda:UntagResource")
        if has_any(p, "ReservedConcurrentExecutions"):
            yield Requirement("lambda:PutFunctionConcurrency", arn)
        if has_any(p, "RuntimeManagementConfig"):
            yield Requirement("lambda:PutRuntimeManagementConfig", arn)
        if has_any(p, "CodeSigningConfigArn"):
            yield Requirement("lambda:GetCodeSigningConfig", str(p["CodeSigningConfigArn"]))
        if has_any(p, "RecursiveLoop"):
            yield Requirement("lambda:PutFunctionRecursionConfig", arn)
        yield Requirement("lambda:GetFunction", arn)
    elif call.operation == "update":
        yield Requirement("lambda:GetFunction", arn)
        if changed_any(call, "Code"):
            yield from code_access()
            yield Requirement("lambda:UpdateFunctionCode", arn)
        config_keys = [k for k in set(p) | set(call.old_properties)]
        config_keys = [
            k for k in config_keys if k not in ("Code", "Tags", "ReservedConcurrentExecutions")
        ]
        if changed_any(call, *config_keys):
            if role:
                yield Requirement("iam:PassRole", role_arn_of(call, str(role)))
            yield from config_extras()
            yield Requirement("lambda:UpdateFunctionConfiguration", arn)
        if changed_any(call, "ReservedConcurrentExecutions"):
            verb = "Put" if has_any(p, "ReservedConcurrentExecutions") else "Delete"
            yield Requirement(f"lambda:{verb}FunctionConcurrency", arn)
        yield from tag_demands(call, arn, "lambda:TagResource", "lambda:UntagResource")
    else:
        yield Requirement("lambda:GetFunction", arn)
        if has_any(p, "VpcConfig"):
            yield Requirement("ec2:DescribeNetworkInterfaces", "*")
        yield Requirement("lambda:DeleteFunction", arn)


def _lambda_version(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    function = _function_arn(call, p.get("FunctionName", ""))
    if call.operation == "create":
        yield Requirement("lambda:PublishVersion", function)
        if has_any(p, "ProvisionedConcurrencyConfig"):
            yield Requirement("lambda:PutProvisionedConcurrencyConfig", function)
        if has_any(p, "RuntimePolicy"):
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
    layer = name if name.startswith("arn:") else build_arn(call, "lambda", f"layer:{name}")
    if call.operation == "create":
        content = p.get("Content") or {}
        if isinstance(content, dict) and content.get("S3Bucket"):
            obj = s3_object_arn(call, content["S3Bucket"], content.get("S3Key", ""))
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
        if has_any(p, "Body", "BodyS3Location"):
            location = p.get("BodyS3Location") or {}
            if isinstance(location, dict) and location.get("Bucket"):
                yield Requirement(
                    "s3:GetObject", s3_object_arn(call, location["Bucket"], location.get("Key", ""))
                )
            yield _apigw(call, "PUT", api, after)
        if has_any(p, "Policy"):
            yield Requirement(
                "apigateway:UpdateRestApiPolicy", _apigw(call, "PATCH", api).resource, after
            )
        if has_any(
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
        if changed_any(call, "Body", "BodyS3Location"):
            yield _apigw(call, "PUT", api)
        if changed_any(call, "Policy"):
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
        if has_any(p, *patched):
            yield _apigw(call, "PATCH", stage)
        if has_any(p, "Tags"):
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
    arn = build_arn(call, "events", path)
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
        if has_any(p, "Targets") and (call.operation == "create" or changed_any(call, "Targets")):
            yield Requirement("events:PutTargets", arn)
        if (
            call.operation == "update"
            and has_any(call.old_properties, "Targets")
            and changed_any(call, "Targets")
        ):
            yield Requirement("events:RemoveTargets", arn)
        yield from tag_demands(call, arn, "events:TagResource", "events:UntagResource")
        yield Requirement("events:DescribeRule", arn)
    else:
        yield Requirement("events:DescribeRule", arn)
        yield Requirement("events:ListTargetsByRule", arn)
        if has_any(p, "Targets"):
            yield Requirement("events:RemoveTargets", arn)
        yield Requirement("events:DeleteRule", arn)


def _sqs_queue(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    name = str(p.get("QueueName") or call.physical_name).rsplit("/", 1)[-1]  # a queue's id: its URL
    if p.get("FifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    arn = build_arn(call, "sqs", name)
    if call.operation == "create":
        yield Requirement("sqs:CreateQueue", arn)
        yield Requirement("sqs:GetQueueUrl", arn)
        yield Requirement("sqs:GetQueueAttributes", arn)
        if has_any(p, "Tags"):
            yield Requirement("sqs:TagQueue", arn)
            yield Requirement("sqs:ListQueueTags", arn)
    elif call.operation == "update":
        yield Requirement("sqs:SetQueueAttributes", arn)
        yield Requirement("sqs:GetQueueAttributes", arn)
        yield from tag_demands(call, arn, "sqs:TagQueue", "sqs:UntagQueue")
    else:
        yield Requirement("sqs:GetQueueAttributes", arn)
        yield Requirement("sqs:DeleteQueue", arn)


def _sns_topic(call: HandlerCall) -> Iterable[Requirement]:
    p = call.properties
    name = str(p.get("TopicName") or call.physical_name)
    if p.get("FifoTopic") and not name.endswith(".fifo"):
        name += ".fifo"
    arn = build_arn(call, "sns", name)
    if call.operation == "create":
        yield Requirement("sns:CreateTopic", arn)
        yield from tag_demands(call, arn, "sns:TagResource", "sns:UntagResource")
        if has_any(p, "Subscription"):
            yield Requirement("sns:Subscribe", arn)
        if has_any(p, "DataProtectionPolicy"):
            yield Requirement("sns:PutDataProtectionPolicy", arn)
        yield Requirement("sns:GetTopicAttributes", arn)
    elif call.operation == "update":
        yield Requirement("sns:GetTopicAttributes", arn)
        if changed_any(
            call,
            *[k for k in set(p) | set(call.old_properties) if k not in ("Tags", "Subscription")],
        ):
            yield Requirement("sns:SetTopicAttributes", arn)
        if changed_any(call, "Subscription"):
            yield Requirement("sns:ListSubscriptionsByTopic", arn)
            yield Requirement("sns:Subscribe", arn)
            yield Requirement("sns:Unsubscribe", arn)
        yield from tag_demands(call, arn, "sns:TagResource", "sns:UntagResource")
    else:
        yield Requirement("sns:GetTopicAttributes", arn)
        yield Requirement("sns:DeleteTopic", arn)


_RULES: dict[str, Rule] = {
    "AWS::ApiGateway::Method": _api_method,
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGateway::Stage": _api_stage,
    "AWS::Events::Rule": _events_rule,
    "AWS::IAM::ManagedPolicy": iam_managed_policy,
    "AWS::IAM::Policy": iam_policy,
    "AWS::IAM::Role": iam_role,
    "AWS::Lambda::Function": _lambda_function,
    "AWS::Lambda::LayerVersion": _lambda_layer_version,
    "AWS::Lambda::Version": _lambda_version,
    "AWS::SNS::Topic": _sns_topic,
    "AWS::SQS::Queue": _sqs_queue,
}

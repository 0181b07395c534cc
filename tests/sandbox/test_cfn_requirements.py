"""The per-resource-type handler permission table: derived bound, narrowing, real ARNs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from autofix.policy.arn_formats import Place
from autofix.sandbox.cloudformation.demands.requirements import (
    HandlerCall,
    Operation,
    covered_types,
    handler_permission_bounds,
    requirements_for,
)

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/exec"

# every property a rule looks at, so the widest demand of each rule is compared with the bound
RICH_PROPERTIES: dict[str, Any] = {
    "AccelerateConfiguration": {"AccelerationStatus": "Enabled"},
    "AccessLogSetting": {"DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:x"},
    "AnalyticsConfigurations": [{"Id": "a"}],
    "ApiStages": [{"ApiId": "api123", "Stage": "dev"}],
    "AssumeRolePolicyDocument": {"Statement": []},
    "BinaryMediaTypes": ["image/png"],
    "Body": {"openapi": "3.0.0"},
    "BodyS3Location": {"Bucket": "specs", "Key": "api.yaml"},
    "Bucket": "bucket-one",
    "BucketEncryption": {"ServerSideEncryptionConfiguration": []},
    "CloudWatchRoleArn": ROLE,
    "Code": {"S3Bucket": "code", "S3Key": "f.zip", "S3ObjectVersion": "1"},
    "CodeSigningConfigArn": "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1",
    "Content": {"S3Bucket": "code", "S3Key": "layer.zip", "S3ObjectVersion": "2"},
    "ContributorInsightsSpecification": {"Enabled": True},
    "CorsConfiguration": {"CorsRules": []},
    "DataProtectionPolicy": {"Name": "p"},
    "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic": "on",
    "Description": "d",
    "FileSystemConfigs": [
        {"Arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1"}
    ],
    "FunctionName": "fn",
    "Groups": ["devs"],
    "HttpMethod": "get",
    "ImportSourceSpecification": {"S3BucketSource": {"S3Bucket": "imp"}},
    "Integration": {"Credentials": ROLE},
    "IntelligentTieringConfigurations": [{"Id": "i"}],
    "Ipv4IpamPoolId": "ipam-pool-1",
    "InventoryConfigurations": [{"Id": "i"}],
    "KeyId": "key123",
    "KinesisStreamSpecification": {"StreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s"},
    "KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k",
    "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
    "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:l:1"],
    "LifecycleConfiguration": {"Rules": []},
    "ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/1/2",
    "ListenerAttributes": [{"Key": "k", "Value": "v"}],
    "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb/1",
    "LoadBalancerAttributes": [{"Key": "k", "Value": "v"}],
    "LoggingConfiguration": {"DestinationBucketName": "logs"},
    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    "MaxSessionDuration": 7200,
    "MethodSettings": [{"HttpMethod": "*"}],
    "MetricsConfigurations": [{"Id": "m"}],
    "MinimumLoadBalancerCapacity": {"CapacityUnits": 100},
    "NotificationConfiguration": {"TopicConfigurations": []},
    "ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"},
    "OwnershipControls": {"Rules": []},
    "PermissionsBoundary": "arn:aws:iam::123456789012:policy/b",
    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    "Policies": [{"PolicyName": "inline", "PolicyDocument": {}}],
    "Policy": {"Statement": []},
    "PolicyDocument": {"Statement": []},
    "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 1},
    "PublicAccessBlockConfiguration": {"BlockPublicAcls": True},
    "RecursiveLoop": "Allow",
    "ReplicationConfiguration": {"Role": ROLE, "Rules": []},
    "ReservedConcurrentExecutions": 2,
    "ResourcePolicy": {"PolicyDocument": {}},
    "RestApiId": "api123",
    "RetentionInDays": 7,
    "Role": ROLE,
    "RoleArn": ROLE,
    "Roles": ["exec"],
    "RuntimeManagementConfig": {"UpdateRuntimeOn": "Auto"},
    "RuntimePolicy": {"UpdateRuntimeOn": "Auto"},
    "StageDescription": {"TracingEnabled": True},
    "StageName": "dev",
    "Subscription": [{"Endpoint": "a@b.c", "Protocol": "email"}],
    "TargetGroupAttributes": [{"Key": "k", "Value": "v"}],
    "Tags": [{"Key": "team", "Value": "a"}],
    "Targets": [{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:123456789012:q", "RoleArn": ROLE}],
    "TimeToLiveSpecification": {"Enabled": True},
    "TracingEnabled": True,
    "UsagePlanId": "plan123",
    "Users": ["alice"],
    "VersioningConfiguration": {"Status": "Enabled"},
    "VpcId": "vpc-1",
    "VpcConfig": {"SubnetIds": ["s"]},
    "WebsiteConfiguration": {"IndexDocument": "index.html"},
}


def call(
    resource_type: str,
    operation: Operation,
    properties: dict[str, Any],
    physical_name: str = "thing",
    physical_id: str | None = None,
    old_properties: dict[str, Any] | None = None,
) -> HandlerCall:
    return HandlerCall(
        resource_type=resource_type,
        operation=operation,
        logical_id="Logical",
        physical_name=physical_name,
        properties=properties,
        place=Place("123456789012", "us-east-1"),
        physical_id=physical_id,
        old_properties=old_properties or {},
    )


def actions(*args: Any, **kwargs: Any) -> set[str]:
    return {r.action for r in requirements_for(call(*args, **kwargs))}


BRIEF_TYPES = {
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Stage",
    "AWS::DynamoDB::Table",
    "AWS::Events::Rule",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Function",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SSM::Parameter",
}


def test_the_brief_s_resource_types_are_all_covered() -> None:
    assert covered_types() == set(handler_permission_bounds())
    assert covered_types() >= BRIEF_TYPES
    assert len(BRIEF_TYPES) == 21


@pytest.mark.parametrize("resource_type", sorted(covered_types()))
@pytest.mark.parametrize("operation", ["create", "update", "delete"])
def test_demands_stay_within_the_provider_schema(resource_type: str, operation: Operation) -> None:
    bound = handler_permission_bounds()[resource_type][operation]
    widest = actions(
        resource_type,
        operation,
        RICH_PROPERTIES,
        physical_id="id-1",
        old_properties={
            "Tags": [{"Key": "old", "Value": "x"}],
            "Policies": [{"PolicyName": "gone"}],
            "Targets": [{"Id": "old"}],
            "Code": {},
            "Roles": ["former"],
            "Users": [],
            "Groups": [],
        },
    )
    assert widest <= bound, widest - bound


def test_derived_table_is_what_the_installed_cfn_lint_gives() -> None:
    spec = importlib.util.spec_from_file_location(
        "derive", ROOT / "scripts" / "derive_handler_permissions.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (ROOT / "autofix" / "data" / "derived" / "cfn_types.json").read_text()
    assert text == module.render(module.derive()), (
        "stale: run scripts/derive_handler_permissions.py"
    )
    stored = json.loads(text)
    assert "s3:REST.PUT.OBJECT" in stored["dropped_invalid"]["AWS::Logs::LogGroup create"]


def test_lambda_function_narrows_by_properties() -> None:
    plain = {"Role": ROLE, "Code": {"ZipFile": "x"}}
    assert actions("AWS::Lambda::Function", "create", plain, "fn") == {
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "iam:PassRole",
    }
    tagged = {**plain, "Tags": [{"Key": "k", "Value": "v"}]}
    assert "lambda:TagResource" in actions("AWS::Lambda::Function", "create", tagged, "fn")
    from_s3 = {**plain, "Code": {"S3Bucket": "b", "S3Key": "k.zip"}}
    reqs = requirements_for(call("AWS::Lambda::Function", "create", from_s3, "fn"))
    assert ("s3:GetObject", "arn:aws:s3:::b/k.zip") in {(r.action, r.resource) for r in reqs}


def test_requirements_carry_real_arns() -> None:
    def pairs(*args: Any, **kwargs: Any) -> set[tuple[str, str]]:
        return {(r.action, r.resource) for r in requirements_for(call(*args, **kwargs))}

    assert ("iam:CreateRole", "arn:aws:iam::123456789012:role/exec") in pairs(
        "AWS::IAM::Role", "create", {}, "exec"
    )
    assert ("iam:PassRole", ROLE) in pairs("AWS::Lambda::Function", "create", {"Role": ROLE}, "x")
    assert ("lambda:CreateFunction", "arn:aws:lambda:us-east-1:123456789012:function:x") in pairs(
        "AWS::Lambda::Function", "create", {"Role": ROLE}, "x"
    )
    assert (
        "logs:CreateLogGroup",
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x:*",
    ) in pairs("AWS::Logs::LogGroup", "create", {"LogGroupName": "/aws/lambda/x"})
    assert ("s3:CreateBucket", "arn:aws:s3:::my-bucket") in pairs(
        "AWS::S3::Bucket", "create", {}, "my-bucket"
    )
    assert ("apigateway:POST", "arn:aws:apigateway:us-east-1::/restapis") in pairs(
        "AWS::ApiGateway::RestApi", "create", {"Name": "api"}
    )
    assert (
        "apigateway:PUT",
        "arn:aws:apigateway:us-east-1::/restapis/a1/resources/r1/methods/GET",
    ) in pairs(
        "AWS::ApiGateway::Method",
        "create",
        {"RestApiId": "a1", "ResourceId": "r1", "HttpMethod": "GET"},
    )
    assert ("apigateway:DELETE", "arn:aws:apigateway:us-east-1::/restapis/a1") in pairs(
        "AWS::ApiGateway::RestApi", "delete", {}, physical_id="a1"
    )


def test_rest_api_reads_back_on_the_id_it_was_given() -> None:
    reqs = requirements_for(call("AWS::ApiGateway::RestApi", "create", {"Name": "api"}))
    after = [r for r in reqs if r.after_create]
    assert [r.action for r in after] == ["apigateway:GET"]
    again = requirements_for(
        call("AWS::ApiGateway::RestApi", "create", {"Name": "api"}, physical_id="a1")
    )
    assert ("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/a1") in {
        (r.action, r.resource) for r in again
    }


def test_updates_demand_only_what_changed() -> None:
    role = {"AssumeRolePolicyDocument": {"Statement": []}}
    assert actions("AWS::IAM::Role", "update", role, old_properties=role) == set()
    retagged = {**role, "Tags": [{"Key": "k", "Value": "v"}]}
    assert actions("AWS::IAM::Role", "update", retagged, old_properties=role) == {"iam:TagRole"}
    assert actions("AWS::IAM::Role", "update", role, old_properties=retagged) == {"iam:UntagRole"}
    fn = {"Role": ROLE, "Code": {"S3Bucket": "b", "S3Key": "1.zip"}, "MemorySize": 128}
    new_code = {**fn, "Code": {"S3Bucket": "b", "S3Key": "2.zip"}}
    assert actions("AWS::Lambda::Function", "update", new_code, "fn", old_properties=fn) == {
        "lambda:GetFunction",
        "lambda:UpdateFunctionCode",
        "s3:GetObject",
    }


def pairs(*args: Any, **kwargs: Any) -> list[tuple[str, str]]:
    return [(r.action, r.resource) for r in requirements_for(call(*args, **kwargs))]


ELB = "arn:aws:elasticloadbalancing:us-east-1:123456789012"


def test_elbv2_calls_are_demanded_on_the_v2_arns() -> None:
    tags = {"Tags": [{"Key": "k", "Value": "v"}]}
    assert pairs("AWS::ElasticLoadBalancingV2::LoadBalancer", "create", {"Name": "web", **tags})[
        :2
    ] == [
        ("elasticloadbalancing:CreateLoadBalancer", f"{ELB}:loadbalancer/app/web/*"),
        ("elasticloadbalancing:AddTags", f"{ELB}:loadbalancer/app/web/*"),
    ]
    network = pairs("AWS::ElasticLoadBalancingV2::LoadBalancer", "create", {"Type": "network"},
                    "stack-Balancer-ABCDEF123456")  # fmt: skip
    assert network[0][1] == f"{ELB}:loadbalancer/net/stack-Balancer-ABCDEF123456/*"
    balancer = f"{ELB}:loadbalancer/app/web/50dc6c495c0c9188"
    listener = pairs(
        "AWS::ElasticLoadBalancingV2::Listener", "create", {"LoadBalancerArn": balancer, **tags}
    )
    assert listener[:2] == [
        ("elasticloadbalancing:CreateListener", balancer),
        ("elasticloadbalancing:AddTags", f"{ELB}:listener/app/web/50dc6c495c0c9188/*"),
    ]
    on = f"{ELB}:listener/app/web/50dc6c495c0c9188/f1"
    rule = pairs("AWS::ElasticLoadBalancingV2::ListenerRule", "create", {"ListenerArn": on, **tags})
    assert rule[:2] == [
        ("elasticloadbalancing:CreateRule", on),
        ("elasticloadbalancing:AddTags", f"{ELB}:listener-rule/app/web/50dc6c495c0c9188/f1/*"),
    ]
    group = f"{ELB}:targetgroup/tg/73e2d6bc24d8a067"
    assert ("elasticloadbalancing:RegisterTargets", group) in pairs(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "create",
        {"Name": "tg", "Targets": [{"Id": "fn"}]},
        physical_id=group,
    )


def test_rule_data_maps_values_and_reads_old_properties() -> None:
    on_bus = pairs("AWS::Events::Rule", "create", {"EventBusName": "orders"}, "r")
    assert ("events:PutRule", "arn:aws:events:us-east-1:123456789012:rule/orders/r") in on_bus
    default = pairs("AWS::Events::Rule", "create", {"EventBusName": "default"}, "r")
    assert ("events:PutRule", "arn:aws:events:us-east-1:123456789012:rule/r") in default
    targets = [{"Id": "a", "Arn": "arn:aws:sqs:us-east-1:123456789012:q", "RoleArn": ROLE}]
    dropped = actions("AWS::Events::Rule", "update", {}, "r", old_properties={"Targets": targets})
    assert "events:RemoveTargets" in dropped and "iam:PassRole" not in dropped
    method = {"RestApiId": "a1", "ResourceId": "r1", "HttpMethod": "get"}
    caller = {**method, "Integration": {"Credentials": "arn:aws:iam::*:user/*"}}
    assert pairs("AWS::ApiGateway::Method", "create", caller) == [
        ("apigateway:PUT", "arn:aws:apigateway:us-east-1::/restapis/a1/resources/r1/methods/GET"),
        ("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/a1/resources/r1/methods/GET"),
    ]
    role = {**method, "Integration": {"Credentials": ROLE}}
    assert ("iam:PassRole", ROLE) in pairs("AWS::ApiGateway::Method", "create", role)


def test_a_role_update_demands_what_it_adds_to_and_removes_from_its_lists() -> None:
    """`if_added` / `if_removed`: inline policies compared by name, managed ones whole."""
    a, b = ("arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B")
    old = {"Policies": [{"PolicyName": "p1"}, {"PolicyName": "p2"}], "ManagedPolicyArns": [a]}
    new = {"Policies": [{"PolicyName": "p1", "PolicyDocument": {}}], "ManagedPolicyArns": [b]}
    role = "arn:aws:iam::123456789012:role/r"
    assert pairs("AWS::IAM::Role", "update", new, "r", old_properties=old) == [
        ("iam:PutRolePolicy", role),
        ("iam:DeleteRolePolicy", role),
        ("iam:AttachRolePolicy", role),
        ("iam:DetachRolePolicy", role),
    ]
    grown = {"Policies": [*old["Policies"], {"PolicyName": "p3"}], "ManagedPolicyArns": [a, b]}
    assert actions("AWS::IAM::Role", "update", grown, "r", old_properties=old) == {
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
    }


def test_a_topic_and_a_queue_that_exist_are_known_by_their_physical_ids() -> None:
    topic = "arn:aws:sns:us-east-1:123456789012:stack-Topic-ABCDEF123456"
    assert pairs("AWS::SNS::Topic", "delete", {}, topic, physical_id=topic) == [
        ("sns:GetTopicAttributes", topic),
        ("sns:DeleteTopic", topic),
    ]
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/stack-Queue-ABCDEF123456.fifo"
    queue = "arn:aws:sqs:us-east-1:123456789012:stack-Queue-ABCDEF123456.fifo"
    assert pairs("AWS::SQS::Queue", "delete", {"FifoQueue": True}, url, physical_id=url) == [
        ("sqs:GetQueueAttributes", queue),
        ("sqs:DeleteQueue", queue),
    ]
    generated = pairs("AWS::SQS::Queue", "create", {"FifoQueue": True}, "stack-Queue-ABCDEF123456")
    assert generated[0] == ("sqs:CreateQueue", queue)


def test_a_queue_deleted_by_its_url_is_demanded_on_its_arn() -> None:
    """A queue's physical id is its URL (what CloudFormation deletes it by); IAM wants its ARN."""
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/svc-dev-Orders-AbC123"
    arn = "arn:aws:sqs:us-east-1:123456789012:svc-dev-Orders-AbC123"
    for operation in ("update", "delete"):
        reqs = requirements_for(call("AWS::SQS::Queue", operation, {}, url))
        assert {r.resource for r in reqs} == {arn}


def test_a_kms_alias_is_demanded_on_the_alias_and_on_its_key() -> None:
    kms = "arn:aws:kms:us-east-1:123456789012"
    props = {"AliasName": "alias/orders", "TargetKeyId": "1234abcd"}
    assert pairs("AWS::KMS::Alias", "create", props, "alias/orders") == [
        ("kms:CreateAlias", f"{kms}:alias/orders"),
        ("kms:CreateAlias", f"{kms}:key/1234abcd"),
    ]
    moved = {**props, "TargetKeyId": f"{kms}:key/5678"}
    assert pairs("AWS::KMS::Alias", "update", moved, "alias/orders", old_properties=props) == [
        ("kms:UpdateAlias", f"{kms}:alias/orders"),
        ("kms:UpdateAlias", f"{kms}:key/1234abcd"),
        ("kms:UpdateAlias", f"{kms}:key/5678"),
    ]
    assert ("kms:DeleteAlias", f"{kms}:key/1234abcd") in pairs(
        "AWS::KMS::Alias", "delete", props, "alias/orders"
    )
    # a rehearsal reads TargetKeyId as changed, with no value before: the alias and the key
    # it points at are demanded, never an empty resource no grant can meet
    assert pairs("AWS::KMS::Alias", "update", props, "alias/orders", old_properties={}) == [
        ("kms:UpdateAlias", f"{kms}:alias/orders"),
        ("kms:UpdateAlias", f"{kms}:key/1234abcd"),
    ]

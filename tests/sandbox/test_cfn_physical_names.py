"""Physical names in the sandbox as CloudFormation makes them, per type (issue 18, item 4).

An unnamed state machine is `<LogicalId>-<random>` (no stack name), an unnamed SSM
parameter `CFN-<LogicalId>-<random>`; a type moto has no CloudFormation model for (a
CloudWatch alarm), or whose model declares no name property (a dashboard), keeps the
explicit name its template gives, and its handler is checked on that name, not on an
invented one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled

TAIL = r"[A-Za-z0-9]{12}"


def test_unnamed_resources_are_named_by_their_types_rule(
    operator_client: Callable[[str], Any],
) -> None:
    role = "arn:aws:iam::123456789012:role/machine-role"
    template = {
        "Resources": {
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": json.dumps(
                        {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
                    ),
                    "RoleArn": role,
                },
            },
            "Param": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": "v"},
            },
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Ordered": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}},
            "Plain": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": False}},
        }
    }
    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName="names-per-type", TemplateBody=json.dumps(template))
    stack = settled(cfn, "names-per-type")
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "names-per-type")
    listed = cfn.list_stack_resources(StackName="names-per-type")["StackResourceSummaries"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed}
    cfn.delete_stack(StackName="names-per-type")
    assert re.fullmatch(
        rf"arn:aws:states:[a-z0-9-]+:\d+:stateMachine:Machine-{TAIL}", physical["Machine"]
    )
    assert re.fullmatch(rf"CFN-Param-{TAIL}", physical["Param"])
    assert re.fullmatch(
        rf"arn:aws:sns:[a-z0-9-]+:\d+:names-per-type-Topic-{TAIL}", physical["Topic"]
    )
    # an unnamed FIFO queue (a CDK `fifo: true` queue) is named with the suffix SQS demands
    assert re.fullmatch(rf"https://.*/\d+/names-per-type-Ordered-{TAIL}\.fifo", physical["Ordered"])
    assert re.fullmatch(rf"https://.*/\d+/names-per-type-Plain-{TAIL}", physical["Plain"])


def test_an_explicit_name_of_a_type_moto_lacks_is_the_one_checked(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    region = operator_client("cloudformation").meta.region_name
    account = operator_client("sts").get_caller_identity()["Account"]
    alarm = f"arn:aws:cloudwatch:{region}:{account}:alarm:ingest-failures"
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "cloudwatch:*", "Resource": alarm},
        ]
    )
    template = {
        "Resources": {
            "IngestFailuresAlarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": "ingest-failures",
                    "ComparisonOperator": "GreaterThanThreshold",
                    "EvaluationPeriods": 1,
                    "MetricName": "Errors",
                    "Namespace": "AWS/Lambda",
                    "Period": 60,
                    "Statistic": "Sum",
                    "Threshold": 0,
                },
            }
        }
    }
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName="names-explicit-alarm", TemplateBody=json.dumps(template))
    stack = settled(cfn, "names-explicit-alarm")
    reasons = failures(cfn, "names-explicit-alarm")
    listed = cfn.list_stack_resources(StackName="names-explicit-alarm")["StackResourceSummaries"]
    operator_client("cloudformation").delete_stack(StackName="names-explicit-alarm")
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons
    assert [r["PhysicalResourceId"] for r in listed] == ["ingest-failures"]


def test_an_explicit_name_of_a_model_without_a_name_property_is_the_one_checked(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    """moto models a dashboard but declares no name property: the handler was checked on
    `dashboard/<stack>-<LogicalId>-<random>` while the dashboard was `DashboardName`."""
    account = operator_client("sts").get_caller_identity()["Account"]
    dashboard = f"arn:aws:cloudwatch::{account}:dashboard/orders-overview"
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "cloudwatch:*", "Resource": dashboard},
        ]
    )
    widget = {"type": "text", "x": 0, "y": 0, "width": 6, "height": 2}
    body = json.dumps({"widgets": [{**widget, "properties": {"markdown": "orders"}}]})
    template = {
        "Resources": {
            "Overview": {
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {"DashboardName": "orders-overview", "DashboardBody": body},
            }
        }
    }
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName="names-explicit-dashboard", TemplateBody=json.dumps(template))
    stack = settled(cfn, "names-explicit-dashboard")
    reasons = failures(cfn, "names-explicit-dashboard")
    listed = cfn.list_stack_resources(StackName="names-explicit-dashboard")
    operator_client("cloudformation").delete_stack(StackName="names-explicit-dashboard")
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons
    physical = [r["PhysicalResourceId"] for r in listed["StackResourceSummaries"]]
    assert physical == ["orders-overview"]


def test_an_unnamed_parameter_keeps_its_name_through_an_update(
    operator_client: Callable[[str], Any],
) -> None:
    def body(value: str) -> str:
        param = {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": value}}
        return json.dumps({"Resources": {"Param": param}})

    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName="names-param-update", TemplateBody=body("v1"))
    assert settled(cfn, "names-param-update")["StackStatus"] == "CREATE_COMPLETE"
    listed = cfn.list_stack_resources(StackName="names-param-update")["StackResourceSummaries"]
    name = listed[0]["PhysicalResourceId"]
    cfn.update_stack(StackName="names-param-update", TemplateBody=body("v2"))
    stack = settled(cfn, "names-param-update")
    reasons = failures(cfn, "names-param-update")
    value = operator_client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    cfn.delete_stack(StackName="names-param-update")
    assert stack["StackStatus"] == "UPDATE_COMPLETE", reasons
    assert value == "v2"


def test_a_layer_is_checked_and_predicted_under_its_layer_name(
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
    operator_client: Callable[[str], Any],
) -> None:
    """A layer's ARN is `layer:<LayerName>:<version>`; an unnamed layer's LayerName is its
    logical id (curated/cfn_physical_names.json). The deployer gets exactly the grants the
    predictor derives from the template (PublishLayerVersion on `layer:NAME`, the version
    actions on `layer:NAME:*`), and the sandbox's handler is checked on the same names:
    the stack deploys and deletes with nothing else."""
    from autofix.policy.arn_formats import Place as ArnPlace
    from autofix.predict.template import Place, predict

    s3 = operator_client("s3")
    s3.create_bucket(Bucket="layer-artifacts")
    s3.put_object(Bucket="layer-artifacts", Key="libs.zip", Body=b"PK\x05\x06" + b"\x00" * 18)
    content = {"S3Bucket": "layer-artifacts", "S3Key": "libs.zip"}
    template = {
        "Resources": {
            "SharedLibs": {"Type": "AWS::Lambda::LayerVersion", "Properties": {"Content": content}},
            "Named": {
                "Type": "AWS::Lambda::LayerVersion",
                "Properties": {"Content": content, "LayerName": "orders-deps"},
            },
        }
    }
    region = operator_client("cloudformation").meta.region_name
    account = operator_client("sts").get_caller_identity()["Account"]
    predicted = predict(
        template, Place("names-layers", ArnPlace(account, region)), ("create", "delete")
    )
    grants = {(r.action, r.resource) for p in predicted for r in p.requirements}
    layer = f"arn:aws:lambda:{region}:{account}:layer"
    assert {g for g in grants if g[0].startswith("lambda:")} == {
        ("lambda:PublishLayerVersion", f"{layer}:SharedLibs"),
        ("lambda:PublishLayerVersion", f"{layer}:orders-deps"),
        ("lambda:GetLayerVersion", f"{layer}:SharedLibs:*"),
        ("lambda:DeleteLayerVersion", f"{layer}:SharedLibs:*"),
        ("lambda:GetLayerVersion", f"{layer}:orders-deps:*"),
        ("lambda:DeleteLayerVersion", f"{layer}:orders-deps:*"),
    }
    _, as_deployer = make_user(
        [
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            *({"Effect": "Allow", "Action": a, "Resource": r} for a, r in sorted(grants)),
        ]
    )
    cfn = as_deployer("cloudformation")
    cfn.create_stack(StackName="names-layers", TemplateBody=json.dumps(template))
    stack = settled(cfn, "names-layers")
    reasons = failures(cfn, "names-layers")
    listed = cfn.list_stack_resources(StackName="names-layers")["StackResourceSummaries"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed}
    cfn.delete_stack(StackName="names-layers")
    deleted = settled(cfn, stack["StackId"])
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons
    assert physical == {"SharedLibs": f"{layer}:SharedLibs:1", "Named": f"{layer}:orders-deps:1"}
    assert deleted["StackStatus"] == "DELETE_COMPLETE", failures(cfn, stack["StackId"])


def test_an_unnamed_model_without_a_name_property_is_created_under_the_checked_name(
    operator_client: Callable[[str], Any],
) -> None:
    """moto declares no name property for a task definition and registered an unnamed one
    as `task-definition-<digits>`, a family no replay could predict: a policy granted on
    one run's family was denied on the next (the sweep's AWS::ECS::TaskDefinition)."""
    container = {"Name": "app", "Image": "public.ecr.aws/docker/library/busybox", "Memory": 128}
    template = {
        "Resources": {
            "Task": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"ContainerDefinitions": [container]},
            }
        }
    }
    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName="names-task-family", TemplateBody=json.dumps(template))
    stack = settled(cfn, "names-task-family")
    reasons = failures(cfn, "names-task-family")
    listed = cfn.list_stack_resources(StackName="names-task-family")["StackResourceSummaries"]
    cfn.delete_stack(StackName="names-task-family")
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons
    assert re.fullmatch(
        rf"arn:aws:ecs:[a-z0-9-]+:\d+:task-definition/names-task-family-Task-{TAIL}:1",
        listed[0]["PhysicalResourceId"],
    )

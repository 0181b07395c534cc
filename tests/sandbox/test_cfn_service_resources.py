"""What the service makes in the caller's account, and what its API does not call (issue 18).

A canary's handler makes a Lambda function and layer named by Synthetics (`cwsyn-...`): its
lambda actions are demanded on those, not on `*`. MWAA's schema lists the console's
actions (creating the execution role's policy: iam:CreatePolicy), MGN's the SSM commands a
connector later runs: not demanded, named withheld. A Cloud9 environment starts an SSM
session only when it is a no-ingress one (`ConnectionType: CONNECT_SSM`), on the instance
Cloud9 launches. Over the curated data, through the predictor and through the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from autofix import data
from autofix.policy import actions_catalog
from autofix.policy.arn_formats import Place as ArnPlace
from autofix.policy.arn_formats import formats_for_type
from autofix.predict.template import Place, predict
from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.demands.tiers import coverage_record, demands_for
from tests.sandbox.stacks import LAMBDA_TRUST, failures, settled
from tests.sandbox.test_cfn_own_arn_demands import ACCOUNT, OPERATIONS, _call

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
CANARY = "AWS::Synthetics::Canary"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:cwsyn-*"
LAYER = f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:cwsyn-*"
CANARY_PROPS = {
    "Name": "orders-canary",
    "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/canary",
    "Code": {"Handler": "index.handler", "S3Bucket": "code", "S3Key": "canary.zip"},
    "ArtifactS3Location": "s3://code",
    "Schedule": {"Expression": "rate(5 minutes)"},
    "RuntimeVersion": "syn-nodejs-puppeteer-9.1",
}


def _on(resource_type: str, props: dict[str, Any], operation: str = "create") -> dict[str, set]:
    found: dict[str, set[str]] = {}
    for r in demands_for(_call(resource_type, props, operation)):
        found.setdefault(r.action, set()).add(r.resource)
    return found


def _withheld(resource_type: str, props: dict[str, Any], operation: str = "create") -> set:
    return set(coverage_record(_call(resource_type, props, operation), "s")["withheld_actions"])


def test_a_canary_makes_its_function_and_layer_under_the_services_names() -> None:
    create = _on(CANARY, CANARY_PROPS)
    for action in ("lambda:CreateFunction", "lambda:AddPermission", "lambda:PublishVersion"):
        assert create[action] == {FUNCTION}, action
    assert create["lambda:PublishLayerVersion"] == {LAYER}
    assert create["lambda:GetLayerVersion"] == {f"{LAYER}:*"}
    delete = _on(CANARY, CANARY_PROPS, "delete")
    assert delete["lambda:DeleteFunction"] == {FUNCTION}
    assert delete["lambda:DeleteLayerVersion"] == {f"{LAYER}:*"}
    for operation in OPERATIONS:
        on = _on(CANARY, CANARY_PROPS, operation)
        assert not any("*" in rs for a, rs in on.items() if a.startswith("lambda:")), on


def test_the_console_s_actions_are_not_demanded_of_an_mwaa_environment() -> None:
    props = {
        "Name": "flows",
        "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/mwaa",
        "SourceBucketArn": "arn:aws:s3:::dags",
    }
    for operation in OPERATIONS:
        on = _on("AWS::MWAA::Environment", props, operation)
        assert not {"iam:CreatePolicy", "iam:CreateRole", "s3:CreateBucket"} & set(on)
    create = _on("AWS::MWAA::Environment", props)
    assert create["iam:PassRole"] == {f"arn:aws:iam::{ACCOUNT}:role/mwaa"}  # the API's
    assert {"iam:CreatePolicy", "iam:CreateRole"} <= _withheld("AWS::MWAA::Environment", props)


def test_a_connector_sends_no_ssm_command_when_it_is_created() -> None:
    props = {"Name": "dc1", "SsmInstanceId": "mi-0123456789abcdef0"}
    on = _on("AWS::MGN::Connector", props)
    assert "ssm:SendCommand" not in on and "mgn:CreateConnector" in on
    assert "ssm:SendCommand" in _withheld("AWS::MGN::Connector", props)


def test_a_cloud9_environment_starts_a_session_only_without_ingress() -> None:
    ssh = {"InstanceType": "t3.micro", "ImageId": "amazonlinux-2023-x86_64"}
    assert "ssm:StartSession" not in _on("AWS::Cloud9::EnvironmentEC2", ssh)
    assert "ssm:StartSession" in _withheld("AWS::Cloud9::EnvironmentEC2", ssh)
    ssm = {**ssh, "ConnectionType": "CONNECT_SSM"}
    assert _on("AWS::Cloud9::EnvironmentEC2", ssm)["ssm:StartSession"] == {
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*",
        "arn:aws:ssm:us-east-1:*:document/*",
    }
    assert "ssm:StartSession" not in _withheld("AWS::Cloud9::EnvironmentEC2", ssm)


def test_an_auto_scaling_group_uses_vpc_lattice_only_through_its_traffic_sources() -> None:
    group = "AWS::AutoScaling::AutoScalingGroup"
    props = {"MinSize": "1", "MaxSize": "2", "AvailabilityZones": ["us-east-1a"]}
    lattice = {"vpc-lattice:RegisterTargets", "vpc-lattice:DeregisterTargets"}
    for operation in ("create", "update"):
        assert not lattice & set(_on(group, props, operation)), operation
    assert lattice <= _withheld(group, props)
    target_group = f"arn:aws:vpc-lattice:us-east-1:{ACCOUNT}:targetgroup/tg-0123456789abcdef0"
    attached = {**props, "TrafficSources": [{"Identifier": target_group, "Type": "vpc-lattice"}]}
    assert lattice <= set(_on(group, attached))
    assert not lattice & _withheld(group, attached)


def test_the_data_names_real_types_and_actions_each_with_its_source() -> None:
    curated = data.load("curated", "cfn_service_resources.json")
    for resource_type, entry in curated["made"].items():
        schema = type_schema(resource_type)
        assert schema is not None and entry["source"] and entry["why"]
        listed = {a for acts in schema.actions.values() for a in acts} | set(schema.tag_actions)
        for made in entry["resources"]:
            [fmt] = formats_for_type(made["iam_type"])
            assert set(made["values"]) <= {*fmt.fields, "Account"}
            acting = [
                a
                for a in listed
                if (info := actions_catalog.lookup(a))
                and any(fmt.template in rt.arn_formats for rt in info.resource_types)
            ]
            assert acting, (resource_type, made)  # the schema lists an action on it
    for resource_type, entry in curated["not_called"].items():
        schema = type_schema(resource_type)
        assert schema is not None and entry["source"] and entry["why"]
        listed = {a for acts in schema.actions.values() for a in acts}
        assert set(entry["actions"]) <= listed, resource_type


def test_the_predictor_reads_the_same_data() -> None:
    template = {
        "Resources": {
            "Canary": {"Type": CANARY, "Properties": CANARY_PROPS},
            "Flows": {
                "Type": "AWS::MWAA::Environment",
                "Properties": {"Name": "flows", "SourceBucketArn": "arn:aws:s3:::dags"},
            },
        }
    }
    groups = predict(template, Place("ops", ArnPlace(ACCOUNT, "us-east-1")), ("create",))
    found = {(r.action, r.resource) for g in groups for r in g.requirements}
    assert ("lambda:CreateFunction", FUNCTION) in found
    assert not any(
        a in ("lambda:CreateFunction", "iam:CreatePolicy") and r == "*" for a, r in found
    )
    assert not any(a == "iam:CreatePolicy" for a, _ in found)


def _canary_stack(suffix: str) -> dict[str, Any]:
    props = {
        **CANARY_PROPS,
        "Name": f"orders{suffix}",
        "ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
        "Code": {**CANARY_PROPS["Code"], "S3Bucket": {"Ref": "Code"}},
        "ArtifactS3Location": {"Fn::Sub": "s3://${Code}"},
    }
    return {
        "Resources": {
            "Code": {"Type": "AWS::S3::Bucket"},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST},
            },
            "Canary": {"Type": CANARY, "Properties": props},
        }
    }


def test_a_canary_deploys_with_lambda_allowed_on_the_services_names_alone(
    make_user: MakeUser,
) -> None:
    others = {"Effect": "Allow", "NotAction": "lambda:*", "Resource": "*"}
    for suffix, functions in (("-a", "function:cwsyn-*"), ("-b", "function:mine-*")):
        lambda_on = [
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:{functions}",
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:cwsyn-*",
        ]
        _, client = make_user(
            [others, {"Effect": "Allow", "Action": "lambda:*", "Resource": lambda_on}]
        )
        cfn = client("cloudformation")
        stack = f"canary{suffix}"
        cfn.create_stack(StackName=stack, TemplateBody=json.dumps(_canary_stack(suffix)))
        status = settled(cfn, stack)["StackStatus"]
        if suffix == "-a":  # the function and layer Synthetics names: enough
            assert status == "CREATE_COMPLETE", failures(cfn, stack)
        else:
            assert status != "CREATE_COMPLETE"
            assert any("lambda:" in f and FUNCTION in f for f in failures(cfn, stack))

"""Fn::GetAtt of attributes AWS's types have and moto's models lack (a subnet's SubnetId, a
key's KeyId, a queue's QueueUrl, a topic's TopicArn, a VPN gateway's VPNGatewayId): answered
as AWS answers them, in properties and in outputs; an attribute the type does not have
still fails the stack."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sandbox.stacks import failures, settled


def _template(bogus: bool = False) -> dict[str, Any]:
    vpc = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
    subnet = {
        "Type": "AWS::EC2::Subnet",
        "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"},
    }
    attribute = "NoSuchAttribute" if bogus else "SubnetId"
    nic = {
        "Type": "AWS::EC2::NetworkInterface",
        "Properties": {"SubnetId": {"Fn::GetAtt": ["Subnet", attribute]}},
    }
    return {
        "Resources": {
            "Vpc": vpc,
            "Subnet": subnet,
            "Nic": nic,
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": _key_policy()}},
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Gateway": {"Type": "AWS::EC2::VPNGateway", "Properties": {"Type": "ipsec.1"}},
        },
        "Outputs": {
            "Subnet": {"Value": {"Ref": "Subnet"}},
            "SubnetId": {"Value": {"Fn::GetAtt": ["Subnet", "SubnetId"]}},
            "Key": {"Value": {"Ref": "Key"}},
            "KeyId": {"Value": {"Fn::GetAtt": ["Key", "KeyId"]}},
            "Queue": {"Value": {"Ref": "Queue"}},
            "QueueUrl": {"Value": {"Fn::Sub": "${Queue.QueueUrl}"}},
            "Topic": {"Value": {"Ref": "Topic"}},
            "TopicArn": {"Value": {"Fn::GetAtt": ["Topic", "TopicArn"]}},
            "Gateway": {"Value": {"Ref": "Gateway"}},
            "GatewayId": {"Value": {"Fn::GetAtt": ["Gateway", "VPNGatewayId"]}},
        },
    }


def _key_policy() -> dict[str, Any]:
    root = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
    statement = {"Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"}
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_attributes_moto_lacks_are_answered_as_aws_answers_them(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName="missing-attributes", TemplateBody=json.dumps(_template()))
    stack = settled(cfn, "missing-attributes")
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "missing-attributes")
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert out["SubnetId"] == out["Subnet"] and out["Subnet"].startswith("subnet-")
    assert out["KeyId"] == out["Key"]
    assert out["QueueUrl"] == out["Queue"] and out["Queue"].startswith("http")
    assert out["TopicArn"] == out["Topic"] and out["Topic"].startswith("arn:aws:sns:")
    assert out["GatewayId"] == out["Gateway"] and out["Gateway"].startswith("vgw-")  # no
    # attribute at all in moto's model (its GetAtt was a 500 that left the stack in progress)
    nics = operator_client("ec2").describe_network_interfaces(
        Filters=[{"Name": "subnet-id", "Values": [out["Subnet"]]}]
    )["NetworkInterfaces"]
    assert len(nics) == 1
    cfn.delete_stack(StackName="missing-attributes")
    assert settled(cfn, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"


def test_an_attribute_the_type_does_not_have_still_fails(
    operator_client: Callable[[str], Any],
) -> None:
    cfn = operator_client("cloudformation")
    template = json.dumps(_template(bogus=True))
    try:
        cfn.create_stack(StackName="no-such-attribute", TemplateBody=template)
    except cfn.exceptions.ClientError as exc:  # refused up front, as AWS refuses it
        assert "NoSuchAttribute" in str(exc)
        return
    stack = settled(cfn, "no-such-attribute")
    assert stack["StackStatus"] != "CREATE_COMPLETE"


def test_an_attribute_no_model_answers_fails_its_resource_and_the_stack_rolls_back(
    operator_client: Callable[[str], Any],
) -> None:
    """The schema has it (a subnet's NetworkAclAssociationId), moto's model holds it nowhere:
    the resource reading it fails, as a handler's error does, and the stack rolls back
    (before, ExecuteChangeSet answered ValidationError and the stack stayed
    CREATE_IN_PROGRESS for good)."""
    template = _template()
    template["Resources"]["Nic"]["Properties"]["Description"] = {
        "Fn::GetAtt": ["Subnet", "NetworkAclAssociationId"]
    }
    cfn = operator_client("cloudformation")
    made = cfn.create_change_set(
        StackName="unanswered-attribute",
        ChangeSetName="first",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
    )
    for _ in range(100):
        if cfn.describe_change_set(ChangeSetName=made["Id"])["Status"] == "CREATE_COMPLETE":
            break
    cfn.execute_change_set(ChangeSetName=made["Id"])
    stack = settled(cfn, "unanswered-attribute")
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert any("NetworkAclAssociationId" in r for r in failures(cfn, "unanswered-attribute"))


def test_a_property_the_type_answers_as_an_attribute_is_the_templates_value(
    operator_client: Callable[[str], Any],
) -> None:
    """A security group's `VpcId` (documented among its return values) and a queue's
    `RedrivePolicy.deadLetterTargetArn`, read in a property and in the outputs: moto's
    models answered neither ("does not support attribute type VpcId in Fn::GetAtt")."""
    template = _template()
    resources = template["Resources"]
    resources["Group"] = {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {"GroupDescription": "web", "VpcId": {"Ref": "Vpc"}},
    }
    resources["Dead"] = {"Type": "AWS::SQS::Queue"}
    resources["Work"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]},
                "maxReceiveCount": 3,
            }
        },
    }
    resources["Nic"]["Properties"]["Description"] = {"Fn::GetAtt": ["Group", "VpcId"]}
    template["Outputs"] = {
        "Vpc": {"Value": {"Ref": "Vpc"}},
        "Subnet": {"Value": {"Ref": "Subnet"}},
        "GroupVpc": {"Value": {"Fn::GetAtt": ["Group", "VpcId"]}},
        "DeadArn": {"Value": {"Fn::GetAtt": ["Dead", "Arn"]}},
        "Redrive": {"Value": {"Fn::GetAtt": ["Work", "RedrivePolicy.deadLetterTargetArn"]}},
    }
    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName="property-attributes", TemplateBody=json.dumps(template))
    stack = settled(cfn, "property-attributes")
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "property-attributes")
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert out["GroupVpc"] == out["Vpc"] and out["Vpc"].startswith("vpc-")
    assert out["Redrive"] == out["DeadArn"] and out["DeadArn"].startswith("arn:aws:sqs:")
    nics = operator_client("ec2").describe_network_interfaces(
        Filters=[{"Name": "subnet-id", "Values": [out["Subnet"]]}]
    )["NetworkInterfaces"]
    assert [n["Description"] for n in nics] == [out["Vpc"]]


def test_a_type_moto_lacks_answers_its_property_attributes_too(
    operator_client: Callable[[str], Any],
) -> None:
    """A stand-in (a type moto cannot create) answers `Fn::GetAtt Mesh.MeshName` with the
    template's value (the stack failed on it before)."""
    template = {
        "Resources": {"Mesh": {"Type": "AWS::AppMesh::Mesh", "Properties": {"MeshName": "grid"}}},
        "Outputs": {"Name": {"Value": {"Fn::GetAtt": ["Mesh", "MeshName"]}}},
    }
    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName="standin-attributes", TemplateBody=json.dumps(template))
    stack = settled(cfn, "standin-attributes")
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "standin-attributes")
    assert [o["OutputValue"] for o in stack["Outputs"]] == ["grid"]

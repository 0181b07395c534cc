"""Optional properties moto's models read as required: a template leaving them out
creates the resource, as on AWS (a transit gateway without Description, a KMS key without
KeyPolicy, a private NAT gateway without AllocationId, an SSM document without
DocumentFormat), and the moto model still gets what the template gives."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from autofix.sandbox.cloudformation.types.model_create import model_class
from autofix.sandbox.cloudformation.types.optional_properties import filled, listed
from tests.sandbox.stacks import failures, settled

STACK = "optional-properties"


def test_resources_without_their_optional_properties_are_created(
    operator_client: Callable[[str], Any],
) -> None:
    template = {
        "Resources": {
            "Gateway": {"Type": "AWS::EC2::TransitGateway", "Properties": {}},
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "no policy"}},
            "Named": {
                "Type": "AWS::EC2::TransitGateway",
                "Properties": {"Description": "given", "AmazonSideAsn": 64513},
            },
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Subnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"},
            },
            "Document": {  # no DocumentFormat (default JSON), no DocumentType
                "Type": "AWS::SSM::Document",
                "Properties": {
                    "Content": {
                        "schemaVersion": "2.2",
                        "mainSteps": [
                            {
                                "action": "aws:runShellScript",
                                "name": "run",
                                "inputs": {"runCommand": ["true"]},
                            }
                        ],
                    }
                },
            },
            "Nat": {  # private: no Elastic IP, no AllocationId
                "Type": "AWS::EC2::NatGateway",
                "Properties": {"SubnetId": {"Ref": "Subnet"}, "ConnectivityType": "private"},
            },
        },
        "Outputs": {
            "Gateway": {"Value": {"Ref": "Gateway"}},
            "Key": {"Value": {"Ref": "Key"}},
            "Named": {"Value": {"Ref": "Named"}},
            "Nat": {"Value": {"Ref": "Nat"}},
            "Document": {"Value": {"Ref": "Document"}},
            "Subnet": {"Value": {"Ref": "Subnet"}},
        },
    }
    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    stack = settled(cfn, STACK)
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, STACK)
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    ec2 = operator_client("ec2")
    gateways = {
        g["TransitGatewayId"]: g
        for g in ec2.describe_transit_gateways(TransitGatewayIds=[out["Gateway"], out["Named"]])[
            "TransitGateways"
        ]
    }
    assert not gateways[out["Gateway"]].get("Description")
    assert gateways[out["Named"]]["Description"] == "given"
    policy = json.loads(
        operator_client("kms").get_key_policy(KeyId=out["Key"], PolicyName="default")["Policy"]
    )
    assert policy["Statement"], policy  # the default key policy, as AWS gives one
    [nat] = ec2.describe_nat_gateways(NatGatewayIds=[out["Nat"]])["NatGateways"]
    assert nat["SubnetId"] == out["Subnet"]
    [document] = operator_client("ssm").list_documents(
        Filters=[{"Key": "Name", "Values": [out["Document"]]}]
    )["DocumentIdentifiers"]
    assert (document["DocumentFormat"], document["DocumentType"]) == ("JSON", "Command")
    cfn.delete_stack(StackName=STACK)
    assert settled(cfn, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"


def test_a_given_property_is_kept_and_the_template_is_not_changed() -> None:
    resource = {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": []}}}
    assert filled(resource, {"KeyPolicy": None, "Other": None})["Properties"] == {
        "KeyPolicy": {"Statement": []},
        "Other": None,
    }
    assert filled({"Type": "T"}, {"Description": None}) == {
        "Type": "T",
        "Properties": {"Description": None},
    }
    assert resource == {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": []}}}


def test_every_listed_type_names_a_moto_model_of_that_type() -> None:
    for entry in listed():
        assert model_class(entry.model).cloudformation_type() == entry.resource_type
        assert entry.values

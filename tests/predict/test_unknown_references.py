"""A reference not known before the deploy (a nested stack's output) still predicts the
actions IAM authorises on no resource type (ec2:Describe*) on `*`, as the sandbox will
demand them once the value is known: they came one denial per attempt."""

from __future__ import annotations

from autofix.policy.arn_formats import Place as ArnPlace
from autofix.predict.template import Place, predict

TEMPLATE = {
    "Resources": {
        "Network": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "x"}},
        "Db": {
            "Type": "AWS::RDS::DBInstance",
            "Properties": {
                "Engine": "postgres",
                "DBInstanceClass": "db.t4g.micro",
                "MasterUsername": "admin_user",
                "ManageMasterUserPassword": True,
                "VPCSecurityGroups": [{"Fn::GetAtt": ["Network", "Outputs.Group"]}],
            },
        },
    }
}


def test_describes_of_an_unknown_network_reference_are_predicted_on_star() -> None:
    place = Place("svc", ArnPlace("123456789012", "us-east-1"))
    found = {
        (r.action, r.resource)
        for g in predict(TEMPLATE, place, ("create",))
        if g.call.logical_id == "Db"
        for r in g.requirements
    }
    for action in ("ec2:DescribeSecurityGroups", "ec2:DescribeAccountAttributes"):
        assert (action, "*") in found, action

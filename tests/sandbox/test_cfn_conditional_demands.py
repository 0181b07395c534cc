"""No schema upper bound becomes a demand on `*` for a key, data or an organization.

Over the derived data for every schema-tier type: with nothing referenced, no KMS action,
no data access (escalations.json's `data_access`) and no Organizations call is demanded
on `*` (only the types that exist for an organization keep theirs); what was withheld is
named in the resource's coverage record (an action of the type's own service acts on its
own resource: that is the own-resource naming's business, not this). With a key, an S3
URL, a secret or the property that turns the organization feature on, the action is
demanded on exactly that, or as the schema says. Through the sandbox: a principal denied
kms:*, s3:* and organizations:* deploys three such types that name none.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from autofix.policy.arn_formats import Place as ArnPlace
from autofix.policy.escalation import is_data_access
from autofix.predict.template import Place, predict
from autofix.sandbox.cloudformation.demands import references
from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.demands.tiers import coverage, coverage_record, demands_for
from tests.sandbox.stacks import failures, settled
from tests.sandbox.test_cfn_reference_demands import _call

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:team/token-AbCdEf"
OPERATIONS = ("create", "update", "delete")


def _guarded(action: str) -> bool:
    """A KMS action, a data access or an Organizations call: never to be granted on `*`."""
    return action.lower().startswith(("kms:", "organizations:")) or is_data_access(action)


def _schema_types() -> list[str]:
    return sorted(
        t
        for t in references.reference_properties().keys() | _listing_guarded()
        if coverage(t) == "schema"
    )


def _listing_guarded() -> set[str]:
    from autofix import data

    types = data.load("derived", "cfn_types.json")["types"]
    return {
        t
        for t, entry in types.items()
        if any(_guarded(str(a)) for op in OPERATIONS for a in entry.get(op) or ())
    }


def _on_itself(resource_type: str, kind: str) -> bool:
    """The type exists for the feature (`AWS::Organizations::Account`): always on."""
    paths = references.reference_properties().get(resource_type, {}).get(kind, ())
    return references.ITSELF in paths


def _own(resource_type: str, action: str) -> bool:
    """An action of the type's own service, on its own resource (dynamodb:Scan of a global
    table): not an upper bound on another resource."""
    return action.partition(":")[0].lower() == references.own_service(resource_type)


def _key_types(resource_type: str) -> bool:
    return resource_type in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey", "AWS::KMS::Alias")


def test_nothing_referenced_demands_no_key_data_or_organization_on_star() -> None:
    checked = []
    for resource_type in _schema_types():
        schema = type_schema(resource_type)
        listed = {a for op in OPERATIONS for a in (schema.actions[op] if schema else ())}
        if not any(_guarded(a) for a in listed) or _key_types(resource_type):
            continue
        for operation in OPERATIONS:
            for r in demands_for(_call(resource_type, {}, operation)):
                if r.resource != "*" or not _guarded(r.action) or _own(resource_type, r.action):
                    continue
                own_org = r.action.lower().startswith("organizations:") and _on_itself(
                    resource_type, "organization"
                )
                assert own_org, (resource_type, operation, r.action)
        checked.append(resource_type)
    assert len(checked) > 150, len(checked)


def test_what_was_withheld_is_named_in_the_coverage_record() -> None:
    record = coverage_record(_call("AWS::Cognito::UserPoolReplica", {}), "stack")
    assert record["tier"] == "schema-bound"
    assert {"kms:Decrypt", "kms:CreateGrant"} <= set(record["withheld_actions"])
    assert "kms:Decrypt" in record["why"]
    assert not any(a.startswith("kms:") for a in record["bound_actions"])


def test_a_key_arn_anywhere_is_the_key_the_kms_actions_act_on() -> None:
    """A type whose schema names no key property: a key ARN in its properties is still it."""
    withheld = [
        t
        for t in _schema_types()
        if "key" not in references.reference_properties().get(t, {})
        and (s := type_schema(t)) is not None
        and "kms:Decrypt" in s.actions["create"]
    ]
    assert len(withheld) >= 5, withheld
    for resource_type in withheld:
        found = {
            r.resource
            for r in demands_for(_call(resource_type, {"Settings": {"Key": KEY}}))
            if r.action == "kms:Decrypt"
        }
        assert found == {KEY}, resource_type


@pytest.mark.parametrize(
    ("value", "bucket", "key"),
    [
        ("s3://docs/jobs/one.json", "docs", "jobs/one.json"),
        ("https://docs.s3.amazonaws.com/jobs/one.json", "docs", "jobs/one.json"),
        ("https://docs.s3.eu-west-1.amazonaws.com/jobs/one.json", "docs", "jobs/one.json"),
        ("https://s3.amazonaws.com/docs/jobs/one.json", "docs", "jobs/one.json"),
        ("https://s3-eu-west-1.amazonaws.com/docs/jobs/one.json", "docs", "jobs/one.json"),
        ("arn:aws:s3:::docs/jobs/one.json", "docs", "jobs/one.json"),
        ("arn:aws:s3:::docs", "docs", ""),
        ("docs", "docs", ""),
    ],
)
def test_an_s3_url_or_arn_names_its_bucket_and_key(value: str, bucket: str, key: str) -> None:
    assert references.bucket_and_key(value) == (bucket, key)


def test_data_access_follows_the_object_the_template_names() -> None:
    url = "https://s3.amazonaws.com/job-docs/jobs/one.json"
    named = _call("AWS::IoT::Job", {"JobId": "one", "DocumentSource": url})
    assert {r.resource for r in demands_for(named) if r.action == "s3:GetObject"} == {
        "arn:aws:s3:::job-docs/jobs/one.json"
    }
    inline = _call("AWS::IoT::Job", {"JobId": "one", "Document": "{}"})
    assert not [r for r in demands_for(inline) if r.action.startswith("s3:")]


def test_a_secret_is_read_only_where_the_template_names_it() -> None:
    readers = [
        t
        for t in _schema_types()
        if (s := type_schema(t)) is not None
        and "secretsmanager:GetSecretValue" in s.actions["create"]
    ]
    assert len(readers) > 5
    for resource_type in readers:
        named = {
            r.resource
            for r in demands_for(_call(resource_type, {"Auth": {"SecretArn": SECRET}}))
            if r.action == "secretsmanager:GetSecretValue"
        }
        assert named <= {SECRET}, resource_type
        none = [
            r
            for r in demands_for(_call(resource_type, {}))
            if r.action == "secretsmanager:GetSecretValue"
        ]
        assert none == [], resource_type


def _org_triggers() -> list[tuple[str, str]]:
    found = []
    for resource_type, kinds in sorted(references.reference_properties().items()):
        paths = kinds.get("organization", ())
        if paths and references.ITSELF not in paths and coverage(resource_type) == "schema":
            found.append((resource_type, paths[0]))
    return found


def _with(path: str) -> dict[str, Any]:
    """Properties that turn on the feature at `path` (`A.B` or `A=VALUE|OTHER`)."""
    dotted, _, values = path.partition("=")
    value: Any = values.split("|")[0] if values else True
    props: dict[str, Any] = {}
    here = props
    parts = [p for p in dotted.split(".") if p != "*"]
    for part in parts[:-1]:
        here = here.setdefault(part, {})
    here[parts[-1]] = value
    return props


TRIGGERS = _org_triggers()


@pytest.mark.parametrize(("resource_type", "path"), TRIGGERS, ids=[t for t, _ in TRIGGERS])
def test_organizations_calls_come_only_with_the_property_that_turns_them_on(
    resource_type: str, path: str
) -> None:
    schema = type_schema(resource_type)
    listed = {a for a in (schema.actions["create"] if schema else ()) if a.startswith("org")}
    on = {r.action for r in demands_for(_call(resource_type, _with(path)))}
    off = {r.action for r in demands_for(_call(resource_type, {}))}
    assert listed and listed <= on, (resource_type, path)
    assert not any(a.startswith("organizations:") for a in off), resource_type


def test_an_enum_value_that_is_not_the_organization_turns_nothing_on() -> None:
    assert ("AWS::Grafana::Workspace", "AccountAccessType=ORGANIZATION") in TRIGGERS
    mine = _call("AWS::Grafana::Workspace", {"AccountAccessType": "CURRENT_ACCOUNT"})
    assert not [r for r in demands_for(mine) if r.action.startswith("organizations:")]
    trail = _call("AWS::CloudTrail::Trail", {"IsOrganizationTrail": "false"})
    assert not [r for r in demands_for(trail) if r.action.startswith("organizations:")]


def test_the_predictor_withholds_the_same_actions() -> None:
    template = {
        "Resources": {
            "Replica": {
                "Type": "AWS::Cognito::UserPoolReplica",
                "Properties": {"UserPoolId": "us-east-1_abc", "ReplicaRegion": "us-west-2"},
            },
            "Dashboards": {
                "Type": "AWS::Grafana::Workspace",
                "Properties": {
                    "AccountAccessType": "CURRENT_ACCOUNT",
                    "AuthenticationProviders": ["AWS_SSO"],
                    "PermissionType": "SERVICE_MANAGED",
                },
            },
        }
    }
    groups = predict(template, Place("obs", ArnPlace(ACCOUNT, "us-east-1")), ("create",))
    actions = {r.action for g in groups for r in g.requirements}
    assert actions, "the predictor demanded nothing"
    assert not any(a.startswith(("kms:", "organizations:")) for a in actions), actions


# ---------------------------------------------------------------- through the sandbox


def test_a_stack_deploys_without_kms_s3_or_organizations_when_it_names_none(
    make_user: Any,
) -> None:
    """A Grafana workspace of the account alone, an IoT job with its document inline and a
    user pool replica on the service's key: their schemas list kms:*, s3:GetObject and
    organizations:DescribeOrganization; a principal denied all three deploys them."""
    template = {
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "cond-pool"}},
            "Replica": {
                "Type": "AWS::Cognito::UserPoolReplica",
                "Properties": {"UserPoolId": {"Ref": "Pool"}, "RegionName": "us-west-2"},
            },
            "Dashboards": {
                "Type": "AWS::Grafana::Workspace",
                "Properties": {
                    "AccountAccessType": "CURRENT_ACCOUNT",
                    "AuthenticationProviders": ["AWS_SSO"],
                    "PermissionType": "CUSTOMER_MANAGED",
                },
            },
            "Job": {
                "Type": "AWS::IoT::Job",
                "Properties": {
                    "JobId": "cond-job",
                    "Targets": [f"arn:aws:iot:us-east-1:{ACCOUNT}:thing/cond-thing"],
                    "Document": '{"operation": "reboot"}',
                },
            },
        }
    }
    allowed = [  # everything else: the test is about these three
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["kms:*", "s3:*", "organizations:*"], "Resource": "*"},
    ]
    _, client = make_user(allowed)
    cfn = client("cloudformation")
    cfn.create_stack(StackName="cond-stack", TemplateBody=json.dumps(template))
    status = settled(cfn, "cond-stack")["StackStatus"]
    assert status == "CREATE_COMPLETE", failures(cfn, "cond-stack")

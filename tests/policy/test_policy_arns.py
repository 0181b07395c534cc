from autofix.policy.arns import Arn, covers, matches

STACK = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/autofix-demo-dev/"
    "2f1c9a4e-1b2c-11ef-9a3b-0a1b2c3d4e5f"
)


def test_parse_keeps_colons_of_the_resource_field() -> None:
    arn = Arn.parse("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*")
    assert arn is not None
    assert (arn.service, arn.region, arn.account) == ("logs", "us-east-1", "123456789012")
    assert arn.resource == "log-group:/aws/lambda/f:*"
    assert str(arn) == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*"


def test_parse_rejects_non_arns() -> None:
    assert Arn.parse("*") is None
    assert Arn.parse("arn:aws:s3") is None
    assert Arn.parse("urn:aws:s3:::b") is None


def test_star_spans_slashes_and_colons_within_the_resource() -> None:
    assert matches("arn:aws:cloudformation:us-east-1:123456789012:stack/autofix-demo*/*", STACK)
    assert matches(
        "arn:aws:lambda:*:123456789012:function:autofix-demo*",
        "arn:aws:lambda:us-east-1:123456789012:function:autofix-demo-dev-hello:1",
    )


def test_star_in_one_field_does_not_reach_the_next() -> None:
    assert not matches(
        "arn:aws:lambda:*:function:x", "arn:aws:lambda:us-east-1:123456789012:function:x"
    )


def test_question_mark_is_exactly_one_character() -> None:
    assert matches("arn:aws:s3:::bucket-?", "arn:aws:s3:::bucket-1")
    assert not matches("arn:aws:s3:::bucket-?", "arn:aws:s3:::bucket-12")


def test_arn_matching_is_case_sensitive() -> None:
    assert not matches(
        "arn:aws:iam::123456789012:role/Deploy", "arn:aws:iam::123456789012:role/deploy"
    )


def test_regex_characters_are_literal() -> None:
    assert matches("arn:aws:s3:::a.b/[x]+", "arn:aws:s3:::a.b/[x]+")
    assert not matches("arn:aws:s3:::a.b", "arn:aws:s3:::aXb")


def test_covers_is_pattern_containment() -> None:
    assert covers("arn:aws:s3:::b-*", "arn:aws:s3:::b-dev-*")
    assert covers("*", "arn:aws:s3:::b")
    assert not covers("arn:aws:s3:::b-dev-*", "arn:aws:s3:::b-*")
    assert not covers("arn:aws:s3:::b-?", "arn:aws:s3:::b-*")
    assert not covers("arn:aws:s3:::a*b", "arn:aws:s3:::a*")


def test_a_question_mark_covers_one_character_of_a_pattern_too() -> None:
    """`?` matches exactly one character, so it covers a `?` (one character) but not a `*`:
    a generated-name pattern (`...-ExampleSecret-*-??????`, a Secrets Manager secret's
    random suffix) covers itself and the patterns it is wider than."""
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:svc-dev-Secret-*-??????"
    assert covers(secret, secret)
    assert covers(secret, secret.replace("*-", "abc-"))
    assert covers("arn:aws:s3:::b-?", "arn:aws:s3:::b-?")
    assert not covers("arn:aws:s3:::b-??", "arn:aws:s3:::b-?")
    assert not covers("arn:aws:s3:::b-?", "arn:aws:s3:::b-*")
    assert not covers(secret.replace("*-", "abc-"), secret)

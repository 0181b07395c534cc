import json
from datetime import datetime, timedelta

import pytest

from autofix.policy import actions_catalog
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.limits import (
    LIMITS,
    PolicySizeError,
    PolicyVersion,
    fit,
    plan_version_rotation,
    size_of,
)

ACCOUNT = "123456789012"


def big_policy(functions: int) -> PolicyDocument:
    """Read actions of Lambda on many distinct functions: one statement per function set."""
    actions = [a for a in actions_catalog.service_actions("lambda").values() if not a.is_write]
    grants = [
        Grant(info.name, f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:svc-{n}-fn")
        for n in range(functions)
        for info in actions[: 3 + n % 5]
    ]
    return PolicyDocument(tuple(grants))


def test_size_ignores_whitespace_as_iam_does() -> None:
    doc = PolicyDocument((Grant("s3:GetObject", "arn:aws:s3:::b/*"),))
    pretty = doc.dumps()
    assert size_of(doc) == len("".join(pretty.split()))
    assert size_of(doc) < len(pretty)
    assert size_of(json.loads(pretty)) == size_of(doc)


@pytest.mark.parametrize("target", ["user-inline", "role-inline", "managed"])
def test_a_policy_at_the_limit_fits_and_one_over_does_not(target: str) -> None:
    limit = LIMITS[target]  # type: ignore[index]
    base = PolicyDocument((Grant("s3:GetObject", "arn:aws:s3:::b"),))
    pad = limit - size_of(base)
    at_limit = PolicyDocument((Grant("s3:GetObject", "arn:aws:s3:::b" + "x" * pad),))
    assert size_of(at_limit) == limit
    assert fit(at_limit, target) == [at_limit]  # type: ignore[arg-type]
    over = PolicyDocument((Grant("s3:GetObject", "arn:aws:s3:::b" + "x" * (pad + 1)),))
    with pytest.raises(PolicySizeError) as caught:
        fit(over, target, max_policies=1)  # type: ignore[arg-type]
    assert str(limit) in str(caught.value)
    assert str(limit + 1) in str(caught.value)


def test_user_inline_limit_counts_the_other_inline_policies() -> None:
    doc = PolicyDocument((Grant("s3:GetObject", "arn:aws:s3:::b"),))
    fit(doc, "user-inline", other_inline_size=2048 - size_of(doc))
    with pytest.raises(PolicySizeError, match="in other inline policies"):
        fit(doc, "user-inline", other_inline_size=2049 - size_of(doc))


def test_inline_overflow_suggests_managed_policies() -> None:
    with pytest.raises(PolicySizeError, match="use managed policies") as caught:
        fit(big_policy(30), "user-inline")
    assert caught.value.limit == 2048
    assert caught.value.size == size_of(big_policy(30))


def test_managed_policy_is_split_without_losing_or_duplicating_a_grant() -> None:
    doc = big_policy(60)
    assert size_of(doc) > LIMITS["managed"]
    parts = fit(doc, "managed")
    assert 1 < len(parts) <= 10
    assert all(size_of(p) <= LIMITS["managed"] for p in parts)
    split = [g for p in parts for g in p.grants]
    assert sorted(split) == sorted(doc.compacted().grants)


def test_one_huge_statement_is_split_by_actions() -> None:
    resources = [f"arn:aws:s3:::bucket-{n:04d}-{'x' * 40}" for n in range(60)]
    actions = [a.name for a in actions_catalog.service_actions("s3").values()][:60]
    doc = PolicyDocument(tuple(Grant(a, r) for a in actions for r in resources))
    assert len(doc.to_json()["Statement"]) == 1
    parts = fit(doc, "managed")
    assert all(size_of(p) <= 6144 for p in parts)
    assert {a for p in parts for a in p.actions} == set(actions)


def test_too_big_for_ten_managed_policies_is_a_clear_error() -> None:
    doc = big_policy(200)
    with pytest.raises(PolicySizeError) as caught:
        fit(doc, "managed")
    message = str(caught.value)
    assert f"{size_of(doc)} characters" in message
    assert "only 10 can be attached" in message


def versions(n: int, default: int) -> list[tuple[str, bool, datetime]]:
    start = datetime(2026, 11, 1)
    return [(f"v{i}", i == default, start + timedelta(days=i)) for i in range(1, n + 1)]


def test_rotation_waits_until_five_versions() -> None:
    assert plan_version_rotation(versions(4, default=4)) is None


def test_rotation_deletes_the_oldest_non_default_version() -> None:
    assert plan_version_rotation(versions(5, default=5)) == "v1"
    assert plan_version_rotation(versions(5, default=1)) == "v2"


def test_rotation_orders_by_date_not_by_listing_order() -> None:
    listed = list(reversed(versions(5, default=3)))
    records = [PolicyVersion(*v) for v in listed]
    assert plan_version_rotation(records) == "v1"

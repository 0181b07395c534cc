"""The corpus's own data, checked without deploying: fast, always run."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from autofix.config import load_config
from autofix.policy.actions_catalog import canonical
from tests.corpus.expectations import (
    BASELINE,
    CORPUS,
    KeyAction,
    covers,
    load_expected,
    services,
)

DOCS = re.compile(r"^https://(docs\.aws\.amazon\.com|www\.serverless\.com)/")


def test_the_corpus_has_at_least_twelve_services() -> None:
    assert len(services()) >= 12


@pytest.mark.parametrize("service", services())
def test_service_is_complete_and_cited(service: str) -> None:
    directory = CORPUS / service
    assert (directory / "serverless.yml").is_file()
    config = load_config(directory / "autofix.toml")
    assert [s.name for s in config.steps] == ["deploy-dev", "deploy-dev (update)", "remove-dev"]
    expected = load_expected(service)
    assert expected.actions
    for key in expected.actions:
        assert canonical(key.action) == key.action, (
            f"{key.action}: not an IAM action as AWS spells it"
        )
        assert DOCS.match(key.source), (
            f"{key.action}: source {key.source!r} is not AWS or Serverless docs"
        )
        assert key.why
    for item in expected.unverified:
        assert item.why and item.type and item.logical_id
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert f"| [{service}]({service}/" in readme, (
        f"{service}: no row in playground/corpus/README.md"
    )


def test_baseline_sets_are_the_ones_services_include() -> None:
    sets = set(tomllib.loads(BASELINE.read_text(encoding="utf-8")))
    for service in services():
        own = tomllib.loads((CORPUS / service / "expected.toml").read_text(encoding="utf-8"))
        assert set(own.get("include", [])) <= sets, service


def test_covers_matches_like_iam() -> None:
    key = KeyAction("apigateway:POST", "arn:aws:apigateway:${Region}::/apis/*/routes", "w", "s")
    apis: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "apigateway:POST",
        "Resource": "arn:aws:apigateway:eu-west-1::/apis",
    }
    routes: dict[str, Any] = {
        "Effect": "Allow",
        "Action": ["ApiGateway:P*"],
        "Resource": ["arn:aws:apigateway:eu-west-1::/apis/*/routes"],
    }
    policy = {"Statement": [apis, routes]}
    assert covers(policy, key, "eu-west-1", "111122223333")
    assert not covers(policy, key, "us-east-1", "111122223333")
    assert not covers({"Statement": [apis]}, key, "eu-west-1", "111122223333")
    denied = {"Statement": [{**routes, "Effect": "Deny"}]}
    assert not covers(denied, key, "eu-west-1", "111122223333")
    bare = KeyAction("sqs:CreateQueue", None, "w", "s")
    assert covers(
        {"Statement": [{"Effect": "Allow", "Action": "sqs:Create*", "Resource": "*"}]},
        bare,
        "r",
        "a",
    )
    assert not covers(
        {"Statement": [{"Effect": "Allow", "Action": "sqs:Delete*", "Resource": "*"}]},
        bare,
        "r",
        "a",
    )

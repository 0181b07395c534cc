"""A tool's own calls that depend on its template are granted before the first attempt.

osls's deploy reads back the API keys `provider.apiGateway.apiKeys` made
(DescribeStackResources, then GetApiKey of each: `get-api-key-values.js`); the `osls-4`
profile, learnt from a demo without keys, lacked both, and the deploy of a service with
keys took a second attempt under predict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autofix.config import Step
from autofix.predict.predictor import FROM_PROFILE, Predictor
from autofix.predict.template_calls import template_calls
from autofix.records.events import GrantAdded
from tests.loop.test_loop_unit import ACCOUNT, Need, rig
from tests.predict.test_predictor_loop import TEMPLATE, fake_package

KEY = {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Name": "shop-dev-acme"}}


def _with(logical_id: str) -> dict[str, Any]:
    return {"Resources": {**TEMPLATE["Resources"], logical_id: KEY}}


def test_the_keys_osls_made_are_read_back_with_grants_made_ahead(tmp_path: Path) -> None:
    stack = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/shop-dev/0d6f"
    needs = {
        "deploy": [
            Need("cloudformation:DescribeStackResources", stack),
            Need("apigateway:GET", "arn:aws:apigateway:us-east-1::/apikeys/k7q2x9"),
        ]
    }
    r = rig(tmp_path, needs)
    r.loop.planner = Predictor(  # type: ignore[assignment]
        fake_package([], _with("ApiGatewayApiKey1")), ACCOUNT, "us-east-1", profile_name="osls-4"
    )
    r.loop.steps = (Step("deploy", "sls deploy --stage dev", tmp_path),)
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 1
    ahead = {(g.action, g.resource, g.source) for g in r.seen if isinstance(g, GrantAdded)}
    assert (
        "cloudformation:DescribeStackResources",
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/shop-dev/*",
        FROM_PROFILE,
    ) in ahead
    # (the key's own create demands GET on /apikeys/* too: granted once, from either)
    assert ("apigateway:GET", "arn:aws:apigateway:us-east-1::/apikeys/*") in {
        (a, r) for a, r, _ in ahead
    }


def test_a_key_of_the_user_s_own_resources_is_not_read_back() -> None:
    """osls reads keys back only when its provider.apiGateway.apiKeys made some."""
    assert template_calls("osls-4", "deploy", _with("PartnerKey")) == ()
    assert template_calls("sam-1", "deploy", _with("ApiGatewayApiKey1")) == ()
    assert len(template_calls("osls-4", "deploy", _with("ApiGatewayApiKey1"))) == 2


def test_osls_s_remove_takes_the_stages_out_of_the_usage_plans_first() -> None:
    """Its before:remove:remove hook (disassociate-usage-plan.js): DescribeStackResource of
    the rest API, GetUsagePlans, UpdateUsagePlan of each plan holding one of its stages."""
    calls = {
        (c.action, c.resource)
        for c in template_calls("osls-4", "remove", _with("ApiGatewayApiKey1"))
    }
    assert calls == {
        (
            "cloudformation:DescribeStackResource",
            "arn:{partition}:cloudformation:{region}:{account}:stack/{stack}/*",
        ),
        ("apigateway:GET", "arn:{partition}:apigateway:{region}::/usageplans"),
        ("apigateway:PATCH", "arn:{partition}:apigateway:{region}::/usageplans/*"),
    }

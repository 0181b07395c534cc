"""A demand on no ARN (a template's sample `arn::lambda:...`, `arn:a`) stops at once with one
line, and no grant ever names it: IAM refuses such a policy (MalformedPolicyDocument), and
the fix is the value, not a grant (issue 18: AWS::Lambda::ResourcePolicy's sweep row reached
IAM with `arn::lambda:aa-a-0:000000000000:function:a`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autofix.denials.model import Denial
from autofix.policy.arns import malformed
from autofix.policy.scope import ScopeContext, grants_for
from tests.loop.test_loop_unit import ACCOUNT, Need, kinds, rig

NO_PARTITION = f"arn::lambda:aa-a-0:{ACCOUNT}:function:a"


@pytest.mark.parametrize("text", [NO_PARTITION, "arn:a", "arn:aws::us-east-1:1:x", "arn:x:s3:::b"])
def test_what_no_policy_can_name_is_told(text: str) -> None:
    assert malformed(text) is not None


@pytest.mark.parametrize(
    "text",
    [f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "arn:aws-cn:s3:::b", "arn:aws:s3:::*", "*"],
)
def test_an_arn_or_no_arn_at_all_is_not_malformed(text: str) -> None:
    assert malformed(text) is None


def test_a_demand_on_no_arn_stops_at_once_with_one_line(tmp_path: Path) -> None:
    r = rig(tmp_path, {"deploy": [Need("lambda:PutResourcePolicy", NO_PARTITION)]})
    outcome = r.loop.run()
    assert not outcome.ok and outcome.exit_code == 1 and outcome.attempts_total == 1
    assert outcome.reason is not None and outcome.reason.startswith("a demand on no ARN")
    assert NO_PARTITION in outcome.reason and "partition" in outcome.reason
    assert not kinds(r.seen, "grant_added")


def test_a_seen_resource_that_is_no_arn_never_scopes_a_grant() -> None:
    """A denial naming no resource is scoped from the resources seen in the step: never
    from one no policy can name (a format's `${Partition}` matches an empty one)."""
    ctx = ScopeContext(ACCOUNT, "us-east-1", resources_seen=(NO_PARTITION,))
    grants = grants_for([Denial("lambda:GetFunction", None)], ctx)
    assert grants and all(malformed(g.resource) is None for g in grants)

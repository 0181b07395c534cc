"""Stack recovery when CloudFormation itself fails a read: reported per stack, never raised.

The service error is a real HTML 500 page (what the sandbox's web server answers when
a handler crashes), given to the operator's client for DescribeStacks only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from botocore.awsrequest import AWSResponse

from autofix.account.session import Operator
from autofix.account.stacks import NOT_RECOVERED, recover_touched
from tests.harvest.conftest import User, unique

HTML_500 = b"<!doctype html><html><head><title>500 Internal Server Error</title></head></html>"


def _html_500(**_: Any) -> AWSResponse:
    class Raw:
        def stream(self, **_: Any) -> Any:
            yield HTML_500

    return AWSResponse("http://sandbox/", 500, {"Content-Type": "text/html"}, Raw())


def test_a_stack_whose_read_fails_is_reported_and_the_others_recovered(
    make_user: Any, operator: Operator
) -> None:
    since = datetime.now(UTC)
    deployer: User = make_user(["cloudformation:*"])
    names = [unique("broken-read"), unique("broken-read")]
    for name in names:  # each rolls back: the deployer may not create the queue
        template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
        deployer.client("cloudformation").create_stack(
            StackName=name, TemplateBody=json.dumps(template)
        )
    cfn = operator.client("cloudformation")
    failing = {"name": names[0]}

    def fail_first(params: dict[str, Any], **_: Any) -> None:
        failing["now"] = params.get("StackName", "")

    def answer(**kwargs: Any) -> AWSResponse | None:
        stack_id = failing.pop("now", "")
        return _html_500() if f"/{failing['name']}/" in stack_id else None

    cfn.meta.events.register("provide-client-params.cloudformation.DescribeStacks", fail_first)
    cfn.meta.events.register("before-send.cloudformation.DescribeStacks", answer)
    done = {r.stack: r for r in recover_touched(cfn, since, timeout=30) if r.stack in names}
    broken, fine = done[names[0]], done[names[1]]
    assert broken.action == NOT_RECOVERED
    assert "unable to parse response" in broken.detail.lower()
    assert "\n" not in broken.detail
    assert (fine.action, fine.detail) == ("deleted", "now DELETE_COMPLETE")

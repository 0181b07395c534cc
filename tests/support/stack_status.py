"""A sandbox plugin for tests: put a stack in a state the API cannot reach.

Loaded with `plugins=("tests.support.stack_status",)`; then

    POST /_autofix/test/stack-status
    {"stack": NAME_OR_ID, "status": "ROLLBACK_FAILED",
     "then": "CREATE_COMPLETE", "after_seconds": 1.0}

sets the stack's status with a stack event (as CloudFormation would record it)
and, with `then`, moves it on after `after_seconds` (an in-progress stack that
settles). It acts on moto's backend inside the sandbox process only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

PLUGIN = __name__
PATH = "/_autofix/test/stack-status"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def set_stack_status(account_id: str, region: str, request: dict[str, Any]) -> dict[str, str]:
    from moto.cloudformation.models import cloudformation_backends

    from autofix.sandbox.cloudformation.state import stack_event

    stack = cloudformation_backends[account_id][region].get_stack(request["stack"])
    stack_event(stack, request["status"], request.get("reason"))
    then = request.get("then")
    if then:
        timer = threading.Timer(
            float(request.get("after_seconds", 1.0)), stack_event, (stack, then)
        )
        timer.daemon = True
        timer.start()
    return {"stack": stack.stack_id, "status": stack.status}


def install(app: WsgiApp, account_id: str, region: str) -> WsgiApp:
    """`app` with the hook's path answered before moto sees the request."""

    def hooked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            request = json.loads(environ["wsgi.input"].read(length))
            body, status = set_stack_status(account_id, region, request), "200 OK"
        except Exception as exc:  # a test's mistake: say what it was
            body, status = {"error": f"{type(exc).__name__}: {exc}"}, "400 Bad Request"
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return hooked

"""Update-handler needs the per-type rules in cloudformation.demands.requirements do not list yet.

Reached by real stack updates and, above all, by update rehearsals (rehearsal.py),
which change every mutable property of every resource. Each entry names the handler
call it stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Requirement


def _apigw(call: HandlerCall, verb: str, path: str) -> Requirement:
    arn = f"arn:{call.place.partition}:apigateway:{call.place.region}::{path}"
    return Requirement(f"apigateway:{verb}", arn)


def _api_deployment(call: HandlerCall) -> Iterable[Requirement]:
    """A deployment's stage is re-pointed or re-described (UpdateStage: PATCH on the stage).

    The provider schema's update handler lists no POST: it never creates a stage.
    """
    p = call.properties
    stage = p.get("StageName")
    if stage and any(
        p.get(k) != call.old_properties.get(k) for k in ("StageName", "StageDescription")
    ):
        yield _apigw(call, "PATCH", f"/restapis/{p.get('RestApiId', '')}/stages/{stage}")


_UPDATE_RULES: dict[str, Callable[[HandlerCall], Iterable[Requirement]]] = {
    "AWS::ApiGateway::Deployment": _api_deployment,
}


def extra(call: HandlerCall) -> Iterable[Requirement]:
    """What `call`'s update handler needs besides its type's rule (nothing for other ops)."""
    rule = _UPDATE_RULES.get(call.resource_type)
    if call.operation != "update" or rule is None:
        return ()
    return rule(call)

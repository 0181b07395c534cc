"""Updates as a change set makes them, and the operator's rehearsal switch.

A stack update changes what CloudFormation's change set changes, no more: a resource
whose template or referenced parameters changed, or that refers (Ref, Fn::GetAtt,
Fn::Sub) to one that is added or modified, is a candidate ("Dynamic" in a change set);
a candidate whose resolved properties equal the ones it has is not updated, and no
handler of it is called. A changed property the type's provider schema lists in
`createOnlyProperties` (autofix/data/derived/cfn_create_only_properties.json, from
scripts/derive_create_only_properties.py) replaces the resource: its create handler
and then its delete handler run, not its update handler. Sources:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
and .../using-cfn-updating-stacks-changesets-samples.html (`Replacement`, `Dynamic`).

An update rehearsal (`<step> (update)`) is the next deploy run for real (a forced
redeploy, or the step's `rehearse_run`): it demands what that deploy's change set
changes. The operator's switch (`POST /_autofix/rehearsal`, body `{"active": true}`,
around each rehearsal attempt) only records that one runs; the sandbox updates the same
way with it on or off. An unchanged template is no update, as on AWS ("The submitted
information didn't contain changes").
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

from autofix import data
from autofix.sandbox.cloudformation.refs import references

PATH = "/_autofix/rehearsal"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_ACTIVE = threading.Event()


def active() -> bool:
    """Whether the operator has a rehearsal running."""
    return _ACTIVE.is_set()


def set_active(on: bool) -> None:
    if on:
        _ACTIVE.set()
    else:
        _ACTIVE.clear()


@cache
def create_only_properties() -> dict[str, frozenset[str]]:
    """Resource type -> its top-level create-only properties."""
    types = data.load("derived", "cfn_create_only_properties.json")["types"]
    return {t: frozenset(props) for t, props in types.items()}


def changed_properties(properties: Mapping[str, Any], stored: Mapping[str, Any]) -> list[str]:
    """The top-level properties whose resolved values differ from the stored ones."""
    keys = dict.fromkeys([*properties, *stored])
    return [k for k in keys if properties.get(k) != stored.get(k)]


def replaces(resource_type: str, changed: Iterable[str]) -> bool:
    """Whether changing `changed` replaces a resource of `resource_type` (a create-only one)."""
    fixed = create_only_properties().get(resource_type, frozenset())
    return any(k in fixed for k in changed)


def with_dependents(
    diff: dict[str, list[str]], template: Mapping[str, Any]
) -> dict[str, list[str]]:
    """A stack update's resource diff, its Modify widened to the dynamic candidates.

    A resource that refers, directly or through others, to an added or modified one may
    resolve to new values (a replaced resource's new id); the update compares its resolved
    properties and leaves it alone when they are equal.
    """
    resources = template.get("Resources") or {}
    touched = set(diff["Add"]) | set(diff["Modify"])
    modify = list(diff["Modify"])
    grew = True
    while grew:
        grew = False
        for name, resource in resources.items():
            if name in touched or not isinstance(resource, dict):
                continue
            if references(resource.get("Properties") or {}) & touched:
                touched.add(name)
                modify.append(name)
                grew = True
    return {**diff, "Modify": modify}


def wrap(app: WsgiApp) -> WsgiApp:
    """`app` with the operator's switch (`POST /_autofix/rehearsal`) answered before moto."""

    def switched(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            request = json.loads(environ["wsgi.input"].read(length) or b"{}")
            if not isinstance(request.get("active"), bool):
                raise ValueError('expected {"active": true|false}')
            set_active(request["active"])
            body: dict[str, Any] = {"active": active()}
            status = "200 OK"
        except (ValueError, AttributeError) as exc:
            body, status = {"error": str(exc)}, "400 Bad Request"
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return switched

"""The sandbox's side of an update rehearsal: every mutable property counts as changed.

While the operator has switched a rehearsal on (`POST /_autofix/rehearsal`, body
`{"active": true}`; the loop does it around each `<step> (update)` attempt), a stack
update treats each existing resource's present, mutable properties as changed: the
resource is updated, and its type's update handler is checked with the caller's
permissions as if each of those properties had a new value (property-aware, as a
create is). A property is mutable unless its provider schema lists it in
`createOnlyProperties` (autofix/data/derived/cfn_create_only_properties.json, from
scripts/derive_create_only_properties.py): changing one replaces the resource.
A change set with an unchanged template is executable while a rehearsal is on.

Resources whose real properties did not change keep their moto model as it is: only
the handler's permissions are checked, nothing is rebuilt.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

from moto.cloudformation.models import CloudFormationBackend

from autofix import data

PATH = "/_autofix/rehearsal"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_ACTIVE = threading.Event()
_ORIGINAL: dict[str, Any] = {}


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


def mutable_present(resource_type: str, properties: Mapping[str, Any]) -> list[str]:
    """The properties a rehearsal changes: present, and not create-only for the type."""
    fixed = create_only_properties().get(resource_type, frozenset())
    return [k for k, v in properties.items() if k not in fixed and v not in (None, "", [], {})]


def old_properties(
    resource_type: str, properties: Mapping[str, Any], stored: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The "previous" properties an update handler is judged against.

    Outside a rehearsal, what the stack really had. In a rehearsal, the same minus every
    present mutable property, so each of them reads as changed to the requirement rules.
    """
    if not active():
        return stored
    changed = set(mutable_present(resource_type, properties))
    return {k: v for k, v in stored.items() if k not in changed}


def unchanged(properties: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """A rehearsal-only update: nothing real changed, so moto's model is left alone."""
    return active() and dict(properties) == dict(stored)


def widen(diff: dict[str, list[str]], template: Mapping[str, Any]) -> dict[str, list[str]]:
    """A stack update's resource diff; in a rehearsal, every updatable resource is modified."""
    if not active():
        return diff
    modify = list(diff["Modify"])
    for name, resource in (template.get("Resources") or {}).items():
        if name in diff["Add"] or name in modify or not isinstance(resource, dict):
            continue
        props = resource.get("Properties") or {}
        if isinstance(props, dict) and mutable_present(str(resource.get("Type")), props):
            modify.append(name)
    return {**diff, "Modify": modify}


def _create_change_set(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
    """CreateChangeSet: while rehearsing, an unchanged template still makes an update."""
    change_set_id, stack_id = _ORIGINAL["create_change_set"](self, *args, **kwargs)
    change_set = self.change_sets.get(change_set_id)
    if (
        active()
        and change_set is not None
        and change_set.change_set_type == "UPDATE"
        and change_set.status == "FAILED"
        and "didn't contain changes" in (change_set.status_reason or "")
    ):
        change_set.status = "CREATE_COMPLETE"
        change_set.execution_status = "AVAILABLE"
        change_set.status_reason = None
    return change_set_id, stack_id


def install() -> None:
    """Patch CreateChangeSet for rehearsals. Idempotent."""
    if _ORIGINAL:
        return
    _ORIGINAL["create_change_set"] = CloudFormationBackend.create_change_set
    CloudFormationBackend.create_change_set = _create_change_set  # type: ignore[method-assign]


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

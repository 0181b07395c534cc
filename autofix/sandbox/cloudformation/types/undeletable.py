"""A moto model with no physical id and no delete is taken out of its backend on a delete.

Some moto models (Redshift's cluster among them) have no physical id (types/physical_ids.py
gives them one), and neither a `delete` method nor a `delete_from_cloudformation_json` of
their own: moto's stack delete left the resource in the account, where reads still found it
and a later create of the same name collided. CloudFormation deletes it. Such a model is
removed from the store of its service's backend that holds it (found by identity, whatever
the store is called). Models moto gives a physical id are left to moto, as before.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.core.base_backend import BackendDict
from moto.core.common_models import CloudFormationModel

from autofix.sandbox.cloudformation.types.physical_ids import was_given


def cannot_delete(resource: Any) -> bool:
    """Whether moto's own stack delete would leave `resource`, given its id, in its backend."""
    kind = type(resource)
    if not was_given(resource) or callable(getattr(resource, "delete", None)):
        return False
    own = getattr(kind, "delete_from_cloudformation_json", None)
    base = CloudFormationModel.delete_from_cloudformation_json
    return getattr(own, "__func__", own) is getattr(base, "__func__", base)


def forget(resource: Any, account_id: str, region_name: str) -> bool:
    """Remove `resource` from its backend's stores; whether it was found in one."""
    module = sys.modules.get(type(resource).__module__)
    found = False
    for value in vars(module).values() if module else ():
        if not isinstance(value, BackendDict) or account_id not in value:
            continue
        backend = value[account_id].get(region_name) or value[account_id].get("global")
        for store in vars(backend).values() if backend is not None else ():
            if not isinstance(store, dict):
                continue
            for key in [k for k, v in store.items() if v is resource]:
                del store[key]
                found = True
    return found

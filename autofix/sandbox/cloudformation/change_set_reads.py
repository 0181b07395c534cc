"""DescribeChangeSet as CloudFormation answers it.

moto 5.2.5 looks a change set name up across every stack and, when there is none, says
"Stack with id NAME does not exist" (ValidationError). CloudFormation looks it up in the
named stack and says `ChangeSetNotFound` (404), which clients wait for: the CDK CLI, after
deleting its `cdk-deploy-change-set`, polls DescribeChangeSet until that error, and stopped
every update with moto's message instead.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import CloudFormationError
from moto.cloudformation.models import ChangeSet, CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"ChangeSet [{name}] does not exist")


def find(backend: CloudFormationBackend, name: str, stack: str | None) -> ChangeSet | None:
    """The change set `name` (an ARN, or a name within `stack`, a stack name or id)."""
    if name in backend.change_sets:
        return backend.change_sets[name]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name != name:
            continue
        if stack is None or stack in (change_set.stack_name, change_set.stack_id):
            return change_set
    return None


def describe_change_set_response(self: CloudFormationResponse) -> Any:
    """CloudFormationResponse.describe_change_set, within the named stack; ChangeSetNotFound."""
    name = self._get_param("ChangeSetName")
    found = find(self.cloudformation_backend, name, self._get_param("StackName"))
    if found is None:
        raise ChangeSetNotFound(name)
    return ActionResult(found)

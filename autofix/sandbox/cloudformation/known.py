"""What the sandbox knows of resources a handler's properties may name: its launch templates
and instance profiles.

A launching handler (an Auto Scaling group, an instance, a fleet) is authorised on what
its launch template's data names (cloudformation.demands.launches), and passes the roles
of the instance profile it names; the sandbox reads them from its EC2 and IAM models, a
template by its id and by its name, a profile by its ARN and by `instance-profile:<name>`
(`HandlerCall.known`).
"""

from __future__ import annotations

from typing import Any


def known_resources(account: str, region: str) -> dict[str, dict[str, Any]]:
    """The sandbox's launch templates in `account` and `region`, by id and by name: their
    `LaunchTemplateId`, `Versions` (number -> data), default and latest version numbers;
    its instance profiles (`_instance_profiles`)."""
    try:
        from moto.ec2.models import ec2_backends

        templates = list(ec2_backends[account][region].launch_templates.values())
    except Exception:  # no EC2 model in this account or region yet
        return {}
    found: dict[str, dict[str, Any]] = _instance_profiles(account, region)
    for template in templates:
        entry = {
            "LaunchTemplateId": template.id,
            "Versions": {str(v.number): v.data for v in template.versions},
            "DefaultVersionNumber": str(template.default_version_number),
            "LatestVersionNumber": str(template.latest_version_number),
        }
        found[template.id] = found[template.name] = entry
    return found


def _instance_profiles(account: str, region: str) -> dict[str, dict[str, Any]]:
    """The account's instance profiles, by ARN and by `instance-profile:<name>`: their
    `Arn` and the ARNs of their `Roles`."""
    try:
        from moto.iam.models import iam_backends
        from moto.utilities.utils import get_partition

        profiles = list(iam_backends[account][get_partition(region)].instance_profiles.values())
    except Exception:  # no IAM model in this account yet
        return {}
    found: dict[str, dict[str, Any]] = {}
    for profile in profiles:
        entry = {"Arn": profile.arn, "Roles": [role.arn for role in profile.roles]}
        found[profile.arn] = found[f"instance-profile:{profile.name}"] = entry
    return found

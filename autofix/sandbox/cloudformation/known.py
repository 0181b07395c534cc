"""What the sandbox knows of resources a handler's properties may name: its launch templates.

A launching handler (an Auto Scaling group, an instance, a fleet) is authorised on what
its launch template's data names (cloudformation.demands.launches); the sandbox reads that
data from its EC2 model, by the template's id and by its name (`HandlerCall.known`).
"""

from __future__ import annotations

from typing import Any


def known_resources(account: str, region: str) -> dict[str, dict[str, Any]]:
    """The sandbox's launch templates in `account` and `region`, by id and by name: their
    `LaunchTemplateId`, `Versions` (number -> data), default and latest version numbers."""
    try:
        from moto.ec2.models import ec2_backends

        templates = list(ec2_backends[account][region].launch_templates.values())
    except Exception:  # no EC2 model in this account or region yet
        return {}
    found: dict[str, dict[str, Any]] = {}
    for template in templates:
        entry = {
            "LaunchTemplateId": template.id,
            "Versions": {str(v.number): v.data for v in template.versions},
            "DefaultVersionNumber": str(template.default_version_number),
            "LatestVersionNumber": str(template.latest_version_number),
        }
        found[template.id] = found[template.name] = entry
    return found

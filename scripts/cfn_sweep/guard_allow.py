"""The `[guard] allow` a user deploying the stack must write, and the sweep writes for them.

The safety guard refuses the Organizations APIs as outside a deployment unless the operator
allows them (autofix/policy/intent.py): a stack that holds a type that exists for an
organization (its organization feature is its purpose: `.` in
autofix/data/derived/cfn_reference_demands.json, e.g. AWS::Organizations::Account,
AWS::ControlTower::EnabledControl, AWS::SecurityHub::OrganizationConfiguration) cannot be
deployed by anyone who does not allow them, and its user allows them knowingly. The sweep
does as that user would, for those stacks only, and each of their records says so
(`guard_allow`): a refusal of an Organizations call by any other type stays a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable

from autofix.sandbox.cloudformation.demands.references import ITSELF, reference_properties

ORGANIZATIONS = "organizations:*"


def for_types(types: Iterable[str]) -> list[str]:
    """The allow entries a stack holding `types` is run with (empty: none)."""
    kinds = reference_properties()
    purpose = any(ITSELF in kinds.get(t, {}).get("organization", ()) for t in types)
    return [ORGANIZATIONS] if purpose else []

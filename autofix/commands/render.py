"""`autofix render`: a discovered policy as JSON, CloudFormation, Terraform, Serverless or a
CDK bootstrap script, optionally portable (account and region as placeholders)."""

from __future__ import annotations

import json
from pathlib import Path

from autofix.errors import ConfigError
from autofix.policy.collapse import collapse_actions
from autofix.policy.document import PolicyDocument, PolicyError
from autofix.policy.render import Format, Style, portable, render

__all__ = ["render_policy"]


def render_policy(
    policy_path: Path,
    fmt: Format,
    style: Style | None,
    account_id: str | None,
    region: str | None,
    collapse: bool,
) -> str:
    """The rendered text; a portable style reads the account and region from summary.json
    beside the policy when they are not given."""
    try:
        doc = PolicyDocument.load(policy_path, check_actions=False)
    except PolicyError as exc:
        raise ConfigError(str(exc)) from None
    if style:
        summary_path = policy_path.with_name("summary.json")
        if summary_path.is_file() and not (account_id and region):
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            account_id = account_id or summary.get("account_id")
            region = region or summary.get("region")
        if not account_id or not region:
            raise ConfigError(
                "--portable needs --account-id and --region (no summary.json beside the policy)"
            )
        doc = portable(doc, account_id, region, style)
    if collapse:
        doc = collapse_actions(doc)
    return render(doc, fmt)

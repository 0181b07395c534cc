"""A stack holding a type that exists for an organization is run as its user must run it:
with `[guard] allow = ["organizations:*"]` in its autofix.toml, said in its records; any
other stack is run without, so an Organizations call of another type stays a refusal."""

from __future__ import annotations

import tomllib
from pathlib import Path

from autofix.config.file import read_file
from scripts.cfn_sweep import guard_allow, stack
from scripts.cfn_sweep.template import build


def _config(tmp_path: Path, types: list[str]) -> dict[str, object]:
    path = stack.write(tmp_path, build(types), "sweep-0001")
    return tomllib.loads(path.read_text())


def test_an_organization_type_s_stack_allows_the_organizations_calls(tmp_path: Path) -> None:
    found = _config(tmp_path, ["AWS::ControlTower::EnabledControl"])
    assert found["guard"] == {"allow": ["organizations:*"]}
    config = read_file(found, tmp_path, "autofix.toml")  # autofix reads it so
    assert config.guard.allow == ("organizations:*",)


def test_another_stack_allows_nothing(tmp_path: Path) -> None:
    """An SQS queue, or a type whose organization feature is a property it may not set."""
    assert "guard" not in _config(tmp_path, ["AWS::SQS::Queue"])
    assert guard_allow.for_types(["AWS::CloudTrail::Trail", "AWS::SQS::Queue"]) == []


def test_the_rule_is_the_derived_purpose_not_a_list_of_names() -> None:
    for resource_type in (
        "AWS::Organizations::Account",
        "AWS::SecurityHub::OrganizationConfiguration",
        "AWS::ControlTower::EnabledBaseline",
    ):
        assert guard_allow.for_types([resource_type]) == [guard_allow.ORGANIZATIONS]

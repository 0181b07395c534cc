"""A KMS key's handler disables, re-enables and rotates the key only when its properties say so.

The provider's handlers (aws-cloudformation-resource-providers-kms, KeyHandlerHelper and
BaseHandlerStd) call DisableKey only for `Enabled: false`, EnableKey only from a disabled
key, EnableKeyRotation only for `EnableKeyRotation: true` and DisableKeyRotation only from a
rotating key; the schema lists them all. A key with neither property set used to be
demanded kms:DisableKey on `key/*`: every key of the account.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.test_cfn_service_resources import _on, _withheld

KEY = "AWS::KMS::Key"
POLICY = {"Version": "2012-10-17", "Statement": []}
SWITCHES = {"kms:DisableKey", "kms:EnableKey", "kms:EnableKeyRotation", "kms:DisableKeyRotation"}


@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_plain_key_is_neither_disabled_nor_rotated(operation: str) -> None:
    plain = {"KeyPolicy": POLICY, "Description": "queue key"}
    on = _on(KEY, plain, operation)
    assert not SWITCHES & set(on), on
    assert "kms:CreateKey" in on or operation == "update"
    assert "kms:PutKeyPolicy" in on  # KMS's policy lockout check asks it of CreateKey too
    assert {"kms:DisableKey", "kms:EnableKeyRotation"} <= _withheld(KEY, plain)


@pytest.mark.parametrize("rotation", [True, "true"])
def test_rotation_is_demanded_when_the_key_rotates(rotation: Any) -> None:
    on = _on(KEY, {"KeyPolicy": POLICY, "EnableKeyRotation": rotation})
    assert "kms:EnableKeyRotation" in on
    assert "kms:DisableKey" not in on


@pytest.mark.parametrize("enabled", [False, "false"])
def test_a_disabled_key_is_disabled(enabled: Any) -> None:
    assert "kms:DisableKey" in _on(KEY, {"KeyPolicy": POLICY, "Enabled": enabled})
    assert "kms:DisableKey" not in _on(KEY, {"KeyPolicy": POLICY, "Enabled": True})


def test_a_value_not_resolved_yet_may_turn_the_feature_on() -> None:
    unresolved = {"KeyPolicy": POLICY, "Enabled": {"Ref": "KeyEnabled"}}
    assert "kms:DisableKey" in _on(KEY, unresolved)


def test_a_replica_key_is_disabled_only_when_asked() -> None:
    replica = {"KeyPolicy": POLICY, "PrimaryKeyArn": "arn:aws:kms:us-west-2:123456789012:key/k"}
    assert "kms:DisableKey" not in _on("AWS::KMS::ReplicaKey", replica)
    assert "kms:DisableKey" in _on("AWS::KMS::ReplicaKey", {**replica, "Enabled": False})

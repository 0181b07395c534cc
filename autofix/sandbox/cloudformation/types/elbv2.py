"""Deleting a stack's ELBv2 target groups, listeners and listener rules.

moto 5.2.5's models of these have no `delete`, so a stack's deletion (or a rollback)
left them behind: a retried deploy then failed with DuplicateTargetGroupName. Each is
deleted through moto's ELBv2 backend, as CloudFormation's handler does; one already
gone (a listener goes with its load balancer) is not an error.
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.elbv2.exceptions import ListenerNotFoundError, TargetGroupNotFoundError
from moto.elbv2.models import elbv2_backends


def _backend(account_id: str, region: str) -> Any:
    return elbv2_backends[account_id][region]


def delete_target_group(self: Any, account_id: str, region: str) -> None:
    """FakeTargetGroup.delete."""
    with contextlib.suppress(TargetGroupNotFoundError):
        _backend(account_id, region).delete_target_group(self.arn)


def delete_listener(self: Any, account_id: str, region: str) -> None:
    """FakeListener.delete."""
    with contextlib.suppress(ListenerNotFoundError):
        _backend(account_id, region).delete_listener(self.arn)


def delete_listener_rule(self: Any, account_id: str, region: str) -> None:
    """FakeListenerRule.delete (moto's backend ignores a rule that is gone)."""
    _backend(account_id, region).delete_rule(self.arn)

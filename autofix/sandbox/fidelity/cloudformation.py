"""CloudFormation in the sandbox acts with the caller's permissions (install point).

Patched in moto 5.2.5:
- `moto.cloudformation.parsing.parse_and_create_resource`, `parse_and_update_resource`
  and `ResourceMap._delete_resource`: each resource handler call is checked and evented;
- `CloudFormationBackend.create_stack`, `execute_change_set`, `delete_stack` and
  `Stack.update`: real stack flows (rollback, cleanup, Outputs after change sets);
- `CloudFormationResponse.call_action`: remembers who signed the request;
- two models moto lacks: AWS::S3::BucketPolicy, AWS::ApiGateway::Stage.
"""

from __future__ import annotations

from typing import Any

from moto import settings
from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse

from autofix.sandbox.fidelity import cloudformation_engine as engine
from autofix.sandbox.fidelity import cloudformation_models
from autofix.sandbox.fidelity.cloudformation_caller import caller_from_headers

_STACK_ACTIONS = frozenset({"CreateStack", "UpdateStack", "ExecuteChangeSet", "DeleteStack"})


def _call_action(self: CloudFormationResponse) -> Any:
    """Bind the signer of a stack-changing request while moto handles it."""
    action = self._get_action()
    if action not in _STACK_ACTIONS or not _iam_enforced():
        return BaseResponse.call_action(self)
    caller = caller_from_headers(self.current_account, self.headers)
    with engine.request_caller(caller, self._get_param("RoleARN")):
        return BaseResponse.call_action(self)


def _iam_enforced() -> bool:
    return bool(ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT)


def install() -> None:
    """Install the CloudFormation patches. Idempotent."""
    if engine._ORIGINALS:
        return
    engine._ORIGINALS.update(
        parse_and_create_resource=parsing.parse_and_create_resource,
        parse_and_update_resource=parsing.parse_and_update_resource,
        _delete_resource=parsing.ResourceMap._delete_resource,
    )
    parsing.parse_and_create_resource = engine.create_resource
    parsing.parse_and_update_resource = engine.update_resource
    parsing.ResourceMap._delete_resource = engine.delete_resource  # type: ignore[method-assign,assignment]
    CloudFormationBackend.create_stack = engine.create_stack  # type: ignore[method-assign]
    CloudFormationBackend.execute_change_set = engine.execute_change_set  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = engine.delete_stack  # type: ignore[method-assign]
    Stack.update = engine.update_stack  # type: ignore[method-assign]
    CloudFormationResponse.call_action = _call_action  # type: ignore[method-assign,assignment]
    cloudformation_models.install()

"""AWS::IAM::Role as CloudFormation's handler makes it, and AWS managed policies on demand.

moto 5.2.5's role handler ignores `ManagedPolicyArns` and stores each inline policy of
`Policies` as a dict, which its own access control cannot read (a request signed by a
session of the role fails with KeyError `policy_document`). The handler here attaches
the managed policies and stores inline documents as JSON text, on create and update; on
delete it detaches them first, as CloudFormation's role handler does before DeleteRole
(moto's delete removed the inline policies only, and IAM refused it: DeleteConflict, "must
detach all policies first", so the role outlived its stack).

moto knows AWS managed policies (`arn:aws:iam::aws:policy/...`) only when it loads all
1,500 of them at start (`MOTO_IAM_LOAD_MANAGED_POLICIES`, about a second per account);
the sandbox loads one from moto's own copy the first time it is attached or read.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend, Role, iam_backends
from moto.utilities.utils import get_partition

from autofix.sandbox.cloudformation.patches import original
from autofix.sandbox.cloudformation.types.stack_model import creates, updates

_AWS_POLICY = ":iam::aws:policy/"


@functools.cache
def _aws_policies() -> dict[str, dict[str, Any]]:
    parsed: dict[str, dict[str, Any]] = json.loads(aws_managed_policies_data)
    return parsed


def ensure_aws_managed(backend: IAMBackend, arn: str) -> None:
    """Load the AWS managed policy `arn` into `backend` when moto has it and it is not there."""
    if _AWS_POLICY not in arn or arn in backend.managed_policies:
        return
    path_and_name = arn.split(_AWS_POLICY, 1)[1]
    path, _, name = path_and_name.rpartition("/")
    data = _aws_policies().get(name)
    if data is None or data.get("Path", "/") != f"/{path}/".replace("//", "/"):
        return  # not an AWS managed policy moto knows: IAM's own NoSuchEntity follows
    policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
    backend.managed_policies[policy.arn] = policy


def _loading(name: str) -> Any:
    """IAMBackend.`name`(policy_arn, ...), loading an AWS managed policy first."""

    def method(self: IAMBackend, policy_arn: str, *args: Any, **kwargs: Any) -> Any:
        ensure_aws_managed(self, policy_arn)
        return original(IAMBackend, name)(self, policy_arn, *args, **kwargs)

    method.__name__ = name
    return method


attach_role_policy = _loading("attach_role_policy")
attach_user_policy = _loading("attach_user_policy")
attach_group_policy = _loading("attach_group_policy")
get_policy = _loading("get_policy")  # get_policy_version reads through it


def _as_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _text_policies(props: dict[str, Any]) -> dict[str, Any]:
    policies = [
        {**p, "PolicyDocument": _as_text(p["PolicyDocument"])} for p in props.get("Policies") or []
    ]
    return {**props, "Policies": policies}


def _backend(account_id: str, region_name: str) -> IAMBackend:
    backend: IAMBackend = iam_backends[account_id][get_partition(region_name)]
    return backend


@creates
def create_role(
    cls: type[Role], name: str, props: dict[str, Any], account_id: str, region_name: str, **kw: Any
) -> Role:
    """Role.create_from_cloudformation_json, with managed policies and inline text."""
    create = original(Role, "create_from_cloudformation_json")
    role: Role = create(name, {"Properties": _text_policies(props)}, account_id, region_name, **kw)
    backend = _backend(account_id, region_name)
    for arn in props.get("ManagedPolicyArns") or []:
        ensure_aws_managed(backend, str(arn))
        backend.attach_role_policy(str(arn), role.name)
    return role


@updates
def update_role(
    cls: type[Role], old: Role, new_name: str, props: dict[str, Any], account_id: str, region: str
) -> Role:
    """Role.update_from_cloudformation_json, also updating trust, inline and managed policies."""
    update = original(Role, "update_from_cloudformation_json")
    role: Role = update(old, new_name, {"Properties": props}, account_id, region)
    backend = _backend(account_id, region)
    if "AssumeRolePolicyDocument" in props:
        role.assume_role_policy_document = _as_text(props["AssumeRolePolicyDocument"])
    wanted = {p["PolicyName"]: _as_text(p["PolicyDocument"]) for p in props.get("Policies") or []}
    for name in [n for n in role.policies if n not in wanted]:
        role.delete_policy(name)
    for name, text in wanted.items():
        role.put_policy(name, text)
    arns = {str(a) for a in props.get("ManagedPolicyArns") or []}
    for arn in [a for a in role.managed_policies if a not in arns]:
        backend.detach_role_policy(arn, role.name)
    for arn in sorted(arns - set(role.managed_policies)):
        ensure_aws_managed(backend, arn)
        backend.attach_role_policy(arn, role.name)
    return role


def delete_role(
    cls: type[Role], name: str, cloudformation_json: dict[str, Any], account_id: str, region: str
) -> None:
    """Role.delete_from_cloudformation_json, the role's managed policies detached first."""
    backend = _backend(account_id, region)
    role = next((r for r in backend.roles.values() if r.name == name), None)
    for arn in list(role.managed_policies) if role else ():
        backend.detach_role_policy(arn, name)
    original(Role, "delete_from_cloudformation_json")(name, cloudformation_json, account_id, region)

"""Actions that can raise the privileges of whoever holds them, and why.

The list covers the well-known paths: Rhino Security Labs' "AWS IAM Privilege
Escalation: Methods and Mitigation" (21 methods) and Bishop Fox's iam-vulnerable
scenarios (PassRole to CodeBuild, SageMaker, ECS, Data Pipeline, App Runner; SSM and
EC2 Instance Connect sessions; creating users and roles).
"""

from __future__ import annotations

from dataclasses import dataclass

from autofix.policy import actions_catalog


@dataclass(frozen=True)
class Escalation:
    """A privilege-escalation action; `with_any` names actions that complete the path."""

    action: str
    why: str
    with_any: tuple[str, ...] = ()
    refuse_unscoped: bool = True
    """False: flagged on any resource, `*` included, never refused (a path's first step)."""


_PASS = ("iam:PassRole",)

ESCALATIONS: tuple[Escalation, ...] = (
    Escalation("iam:PassRole", "hands a role's permissions to a service the deployer controls"),
    Escalation("iam:CreatePolicyVersion", "rewrites a managed policy, possibly one the holder has"),
    Escalation("iam:SetDefaultPolicyVersion", "switches a policy to an older, broader version"),
    Escalation("iam:AttachUserPolicy", "attaches any managed policy to a user"),
    Escalation("iam:AttachGroupPolicy", "attaches any managed policy to a group"),
    Escalation("iam:AttachRolePolicy", "attaches any managed policy to a role"),
    Escalation("iam:PutUserPolicy", "writes an inline policy on a user"),
    Escalation("iam:PutGroupPolicy", "writes an inline policy on a group"),
    Escalation("iam:PutRolePolicy", "writes an inline policy on a role"),
    Escalation("iam:PutUserPermissionsBoundary", "replaces the boundary that limits a user"),
    Escalation("iam:PutRolePermissionsBoundary", "replaces the boundary that limits a role"),
    Escalation("iam:DeleteUserPermissionsBoundary", "removes the boundary that limits a user"),
    Escalation("iam:DeleteRolePermissionsBoundary", "removes the boundary that limits a role"),
    Escalation("iam:AddUserToGroup", "joins a group and gains its policies"),
    Escalation("iam:CreateAccessKey", "mints long-lived keys for another user"),
    Escalation("iam:CreateLoginProfile", "sets a console password for another user"),
    Escalation("iam:UpdateLoginProfile", "resets another user's console password"),
    Escalation("iam:UpdateAssumeRolePolicy", "lets the holder assume a role it could not"),
    Escalation("sts:AssumeRole", "acts as another role with that role's permissions"),
    Escalation("lambda:CreateFunction", "runs code as a passed role (with iam:PassRole)", _PASS),
    Escalation(
        "lambda:UpdateFunctionCode",
        "replaces the code that runs as a function's role (with iam:PassRole)",
        _PASS,
    ),
    Escalation(
        "lambda:UpdateFunctionConfiguration",
        "changes the role a function runs as (with iam:PassRole)",
        _PASS,
    ),
    Escalation(
        "cloudformation:CreateStack",
        "creates anything a passed service role can (with iam:PassRole)",
        _PASS,
    ),
    Escalation(
        "cloudformation:UpdateStack",
        "changes anything a passed service role can (with iam:PassRole)",
        _PASS,
    ),
    Escalation(
        "cloudformation:CreateChangeSet",
        "stages changes made with a passed service role (with iam:PassRole)",
        _PASS,
    ),
    Escalation(
        "ec2:RunInstances", "starts instances with a passed role (with iam:PassRole)", _PASS
    ),
    Escalation("glue:CreateDevEndpoint", "runs code as a passed role (with iam:PassRole)", _PASS),
    Escalation("ssm:SendCommand", "runs commands on instances and their roles"),
    Escalation("ssm:StartSession", "opens a shell on instances, with their roles"),
    Escalation("ec2-instance-connect:SendSSHPublicKey", "logs in to instances, with their roles"),
    Escalation("glue:UpdateDevEndpoint", "logs in to a Glue endpoint and its role"),
    Escalation(
        "datapipeline:CreatePipeline", "runs commands as a passed role (with iam:PassRole)", _PASS
    ),
    Escalation(
        "codebuild:CreateProject", "runs a build as a passed role (with iam:PassRole)", _PASS
    ),
    Escalation(
        "sagemaker:CreateNotebookInstance",
        "opens a notebook that runs as a passed role (with iam:PassRole)",
        _PASS,
    ),
    Escalation(
        "sagemaker:CreatePresignedNotebookInstanceUrl", "opens a notebook and its role's access"
    ),
    Escalation("ecs:RunTask", "runs a container as a passed role (with iam:PassRole)", _PASS),
    Escalation(
        "apprunner:CreateService", "runs a service as a passed role (with iam:PassRole)", _PASS
    ),
    Escalation("iam:CreateServiceSpecificCredential", "mints credentials for another user"),
    Escalation("iam:UploadSSHPublicKey", "adds a login key to another user"),
    Escalation(
        "iam:CreateUser",
        "creates a principal that keys and policies can then be given to",
        refuse_unscoped=False,
    ),
    Escalation(
        "iam:CreateRole",
        "creates a role, with a trust policy of the holder's choosing",
        refuse_unscoped=False,
    ),
)

_BY_ACTION = {e.action.lower(): e for e in ESCALATIONS}


def escalations_of(action: str) -> tuple[Escalation, ...]:
    """The escalation actions an action or action pattern (`iam:Put*`) grants."""
    if action in ("*", "*:*"):
        return ESCALATIONS
    if "*" in action or "?" in action:
        return tuple(
            _BY_ACTION[name.lower()]
            for name in actions_catalog.expand(action)
            if name.lower() in _BY_ACTION
        )
    found = _BY_ACTION.get(action.lower())
    return (found,) if found else ()


def is_escalation(action: str) -> bool:
    return bool(escalations_of(action))

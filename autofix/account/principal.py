"""The deployer principal: created by the operator, its policy applied and awaited."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from autofix.account.session import Operator
from autofix.config.tables import PrincipalConfig
from autofix.errors import AutofixError, SafetyRefusal
from autofix.policy.document import PolicyDocument
from autofix.policy.limits import PolicySizeError, Target, fit, plan_version_rotation
from autofix.sandbox.server import Credentials

MAX_MANAGED_VERSIONS = 5


class NotYetInForce(Exception):
    """The stored policy does not yet read back as what was applied."""


@dataclass(frozen=True)
class AppliedPolicy:
    """What `Deployer.apply` did."""

    mode: str
    name: str
    statements: int
    version_id: str | None = None
    deleted_version: str | None = None
    parts: int = 1


class Deployer:
    """The principal whose policy is being discovered (an IAM user or role)."""

    def __init__(self, operator: Operator, config: PrincipalConfig) -> None:
        self.operator = operator
        self.config = config
        self._iam = operator.client("iam")
        self._key_id: str | None = None
        self._credentials: Credentials | None = None
        self._role_expiry = 0.0
        self._managed_parts = 1  # managed policies the last apply stored
        kind = "user" if config.type == "user" else "role"
        self.arn = f"arn:aws:iam::{operator.account_id}:{kind}/{config.name}"
        self.managed_arn = f"arn:aws:iam::{operator.account_id}:policy/{config.policy_name}"
        if _same_principal(self.arn, operator.arn):
            raise SafetyRefusal(
                f"the deployer {self.arn} is the operator itself; autofix never edits "
                "the operator's own permissions: choose another principal.name"
            )

    # -- lifecycle -----------------------------------------------------------------

    def ensure(self) -> None:
        """Create the principal if it does not exist (no policy yet)."""
        if self.config.type == "user":
            try:
                self._iam.create_user(UserName=self.config.name, Tags=_TAGS)
            except ClientError as exc:
                if _code(exc) != "EntityAlreadyExists":
                    raise
        else:
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": self.operator.arn},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
            try:
                self._iam.create_role(
                    RoleName=self.config.name,
                    AssumeRolePolicyDocument=json.dumps(trust),
                    Tags=_TAGS,
                )
            except ClientError as exc:
                if _code(exc) != "EntityAlreadyExists":
                    raise

    def exists(self) -> bool:
        """Does the principal exist in the account (a managed role may not, yet)?"""
        try:
            if self.config.type == "user":
                self._iam.get_user(UserName=self.config.name)
            else:
                self._iam.get_role(RoleName=self.config.name)
        except ClientError as exc:
            if _code(exc) == "NoSuchEntity":
                return False
            raise
        return True

    def credentials(self) -> Credentials:
        """The deployer's credentials: an access key for a user, a fresh session for a role."""
        if self.config.type == "user":
            if self._credentials is None:
                key = self._iam.create_access_key(UserName=self.config.name)["AccessKey"]
                self._key_id = key["AccessKeyId"]
                self._credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
            return self._credentials
        if self._credentials is None or time.time() > self._role_expiry - 300:
            sts = self.operator.client("sts")
            role = sts.assume_role(RoleArn=self.arn, RoleSessionName="autofix-deployer")
            creds = role["Credentials"]
            self._credentials = Credentials(
                creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
            )
            self._role_expiry = creds["Expiration"].timestamp()
        return self._credentials

    def close(self) -> None:
        """Delete the access key this run created (the user and its policy stay)."""
        if self._key_id is not None:
            with contextlib.suppress(ClientError):
                self._iam.delete_access_key(UserName=self.config.name, AccessKeyId=self._key_id)
            self._key_id = None

    def matches(self, principal_arn: str | None) -> bool:
        """Is this ARN the deployer: its user, or a session of its role?"""
        if principal_arn is None:
            return True
        if _same_principal(principal_arn, self.arn):
            return True
        if self.config.type == "role":
            assumed = f":assumed-role/{self.config.name}/"
            return assumed in principal_arn and f"::{self.operator.account_id}:" in principal_arn
        return False

    def matches_exactly(self, principal_arn: str | None) -> bool:
        """Like `matches`, but an unnamed principal is not the deployer."""
        return principal_arn is not None and self.matches(principal_arn)

    # -- policy ----------------------------------------------------------------------

    def apply(self, policy: PolicyDocument) -> AppliedPolicy:
        """Store `policy` as the deployer's discovered policy, within IAM's size limits.

        An inline policy must fit whole; a managed one is split across several
        managed policies (`NAME`, `NAME-2`, ...) when it outgrows 6,144 characters.
        """
        parts = self._parts(policy)
        if self.config.policy == "inline":
            return self._apply_inline(parts[0].to_json())
        applied = [
            self._apply_managed(self._managed_arn(i), part.to_json())
            for i, part in enumerate(parts)
        ]
        for stale in range(len(parts), self._managed_parts):  # the policy shrank
            self._detach(self._managed_arn(stale))
        self._managed_parts = len(parts)
        first = applied[0]
        return AppliedPolicy(
            first.mode,
            first.name,
            sum(a.statements for a in applied),
            first.version_id,
            first.deleted_version,
            parts=len(parts),
        )

    def _parts(self, policy: PolicyDocument) -> list[PolicyDocument]:
        """`policy` as the documents `apply` stores (several managed ones when it is large)."""
        target: Target = "managed"
        if self.config.policy == "inline":
            target = "user-inline" if self.config.type == "user" else "role-inline"
        try:
            return fit(policy, target) if policy.grants or policy.verbatim else [policy]
        except PolicySizeError as exc:
            raise AutofixError(f"the discovered policy does not fit: {exc}") from None

    def _managed_arn(self, index: int) -> str:
        return self.managed_arn if index == 0 else f"{self.managed_arn}-{index + 1}"

    def _apply_inline(self, doc: dict[str, Any]) -> AppliedPolicy:
        name = self.config.policy_name
        if not doc["Statement"]:
            self._delete_inline()
            return AppliedPolicy("inline", name, 0)
        text = json.dumps(doc)
        if self.config.type == "user":
            self._iam.put_user_policy(
                UserName=self.config.name, PolicyName=name, PolicyDocument=text
            )
        else:
            self._iam.put_role_policy(
                RoleName=self.config.name, PolicyName=name, PolicyDocument=text
            )
        return AppliedPolicy("inline", name, len(doc["Statement"]))

    def _delete_inline(self) -> None:
        try:
            if self.config.type == "user":
                self._iam.delete_user_policy(
                    UserName=self.config.name, PolicyName=self.config.policy_name
                )
            else:
                self._iam.delete_role_policy(
                    RoleName=self.config.name, PolicyName=self.config.policy_name
                )
        except ClientError as exc:
            if _code(exc) != "NoSuchEntity":
                raise

    def _apply_managed(self, arn: str, doc: dict[str, Any]) -> AppliedPolicy:
        if not doc["Statement"]:
            # IAM has no empty managed policy: an empty grant is no policy attached
            self._detach(arn)
            return AppliedPolicy("managed", arn, 0)
        text = json.dumps(doc)
        try:
            self._iam.get_policy(PolicyArn=arn)
        except ClientError as exc:
            if _code(exc) != "NoSuchEntity":
                raise
            name = arn.rsplit("/", 1)[-1]
            self._iam.create_policy(PolicyName=name, PolicyDocument=text, Tags=_TAGS)
            self._attach(arn)
            return AppliedPolicy("managed", arn, len(doc["Statement"]), "v1")
        deleted = self._rotate_versions(arn)
        version = self._iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=text, SetAsDefault=True
        )["PolicyVersion"]["VersionId"]
        self._attach(arn)
        return AppliedPolicy("managed", arn, len(doc["Statement"]), version, deleted)

    def _rotate_versions(self, arn: str) -> str | None:
        """Delete the oldest non-default version when the policy has 5 (IAM's maximum)."""
        versions = self._iam.list_policy_versions(PolicyArn=arn)["Versions"]
        oldest = plan_version_rotation(
            [(v["VersionId"], v["IsDefaultVersion"], v["CreateDate"]) for v in versions],
            MAX_MANAGED_VERSIONS,
        )
        if oldest is not None:
            self._iam.delete_policy_version(PolicyArn=arn, VersionId=oldest)
        return oldest

    def _detach(self, arn: str) -> None:
        try:
            if self.config.type == "user":
                self._iam.detach_user_policy(UserName=self.config.name, PolicyArn=arn)
            else:
                self._iam.detach_role_policy(RoleName=self.config.name, PolicyArn=arn)
        except ClientError as exc:
            if _code(exc) != "NoSuchEntity":
                raise

    def _attach(self, arn: str) -> None:
        if self.config.type == "user":
            self._iam.attach_user_policy(UserName=self.config.name, PolicyArn=arn)
        else:
            self._iam.attach_role_policy(RoleName=self.config.name, PolicyArn=arn)

    def stored_policy(self, part: int = 0) -> dict[str, Any] | None:
        """The policy document IAM holds for the deployer now (None when none).

        `part` names one of the managed policies a large policy is split across.
        """
        try:
            if self.config.policy == "inline":
                if self.config.type == "user":
                    got = self._iam.get_user_policy(
                        UserName=self.config.name, PolicyName=self.config.policy_name
                    )
                else:
                    got = self._iam.get_role_policy(
                        RoleName=self.config.name, PolicyName=self.config.policy_name
                    )
                doc = got["PolicyDocument"]
            else:
                arn = self._managed_arn(part)
                policy = self._iam.get_policy(PolicyArn=arn)["Policy"]
                version = self._iam.get_policy_version(
                    PolicyArn=arn, VersionId=policy["DefaultVersionId"]
                )
                doc = version["PolicyVersion"]["Document"]
        except ClientError as exc:
            if _code(exc) == "NoSuchEntity":
                return None
            raise
        parsed: dict[str, Any] = json.loads(doc) if isinstance(doc, str) else doc
        return parsed

    def wait_until_effective(self, policy: PolicyDocument, settle_seconds: float) -> float:
        """Wait until IAM reads back `policy`, then `settle_seconds` for propagation.

        A read-back shows what is stored, not what is in force; on a real account
        IAM is eventually consistent, so the loop also retries a denial that was
        already granted before calling it a lack of progress. Returns seconds waited.
        """
        started = time.monotonic()
        expected = [part.to_json()["Statement"] for part in self._parts(policy)]
        for attempt in Retrying(
            retry=retry_if_exception_type(NotYetInForce),
            wait=wait_exponential(multiplier=0.2, max=5),
            stop=stop_after_delay(120),
            reraise=True,
        ):
            with attempt:
                for index, statements_expected in enumerate(expected):
                    stored = self.stored_policy(index)
                    statements = stored["Statement"] if stored else []
                    if isinstance(statements, dict):
                        statements = [statements]
                    if statements_expected and statements != statements_expected:
                        raise NotYetInForce()
        if settle_seconds > 0:
            time.sleep(settle_seconds)
        return time.monotonic() - started


_TAGS = [{"Key": "managed-by", "Value": "autofix"}]


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _same_principal(a: str, b: str) -> bool:
    """Same user or role, comparing an assumed-role session to its role."""
    return _canonical(a) == _canonical(b)


def _canonical(arn: str) -> str:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return arn
    resource = parts[5]
    if resource.startswith("assumed-role/"):
        role = resource.split("/")[1]
        return f"iam:{parts[4]}:role/{role}"
    if resource.startswith(("user/", "role/")):
        kind, _, path_name = resource.partition("/")
        return f"iam:{parts[4]}:{kind}/{path_name.rsplit('/', 1)[-1]}"
    return arn


__all__ = ["AppliedPolicy", "AutofixError", "Deployer"]

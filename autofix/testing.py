"""An IAM-enforced sandbox account for your own tests: the object behind `iam_sandbox`.

    def test_my_policy(iam_sandbox):
        s3 = iam_sandbox.principal(my_policy).client("s3")
        s3.list_buckets()                                   # allowed
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.create_bucket(Bucket="not-mine")             # denied

Needs the `sandbox` extra (moto). Outside pytest: `with IamSandbox.start(directory) as s: ...`.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from autofix.sandbox import DEFAULT_ACCOUNT_ID
from autofix.sandbox.records import SandboxRecords
from autofix.sandbox.records.deny_log import DenyRecord, read_deny_log
from autofix.sandbox.server import (
    OPERATOR_USER,
    Credentials,
    EmbeddedSandbox,
    SandboxInfo,
)

PolicyInput = Mapping[str, Any] | str | None


@dataclass(frozen=True)
class SandboxOptions:
    """How the sandbox account is started (override the `iam_sandbox_options` fixture)."""

    region: str = "us-east-1"
    account_id: str = DEFAULT_ACCOUNT_ID
    plugins: tuple[str, ...] = ()
    """Modules the sandbox's server process loads, to extend or mend it (see
    `autofix.sandbox.server.serve`)."""


class SandboxSession(boto3.Session):  # type: ignore[misc]
    """A boto3 Session whose clients and resources talk to the sandbox unless told otherwise."""

    def __init__(
        self, endpoint_url: str, region: str, credentials: Credentials, arn: str, name: str
    ) -> None:
        super().__init__(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            region_name=region,
        )
        self.endpoint_url = endpoint_url
        self.credentials = credentials
        self.arn = arn
        self.user_name = name

    def client(self, service_name: str, **kwargs: Any) -> Any:
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        return super().client(service_name, **kwargs)

    def resource(self, service_name: str, **kwargs: Any) -> Any:
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        return super().resource(service_name, **kwargs)

    def env(self) -> dict[str, str]:
        """AWS_* variables pointing a CLI (aws, sls, cdk, ...) at the sandbox as this principal."""
        return {
            **self.credentials.env(),
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": self.region_name,
            "AWS_DEFAULT_REGION": self.region_name,
        }


class IamSandbox:
    """A running sandbox account: an admin, fresh principals, and the log of every denial."""

    def __init__(self, info: SandboxInfo) -> None:
        self.info = info

    @classmethod
    @contextlib.contextmanager
    def start(cls, directory: Path, options: SandboxOptions | None = None) -> Iterator[IamSandbox]:
        """Start a fresh account (its logs in `directory`); stop it on exit."""
        options = options or SandboxOptions()
        directory.mkdir(parents=True, exist_ok=True)
        records = SandboxRecords(directory)
        with EmbeddedSandbox(
            region=options.region,
            account_id=options.account_id,
            deny_log=records.denials,
            server_log=records.server_log,
            plugins=options.plugins,
        ) as info:
            yield cls(info)

    @property
    def deny_log(self) -> Path | None:
        """The JSON-lines file of every denial (None for a sandbox started without one)."""
        return self.info.deny_log

    @property
    def endpoint_url(self) -> str:
        return self.info.endpoint

    @property
    def region(self) -> str:
        return self.info.region

    @property
    def account_id(self) -> str:
        return self.info.account_id

    def admin_session(self) -> SandboxSession:
        """The account's administrator (allowed everything; never a principal under test)."""
        arn = f"arn:aws:iam::{self.account_id}:user/{OPERATOR_USER}"
        operator = self.info.operator
        return SandboxSession(self.endpoint_url, self.region, operator, arn, OPERATOR_USER)

    def principal(self, policy_document: PolicyInput, name: str | None = None) -> SandboxSession:
        """A fresh IAM user whose only permissions are `policy_document` (None: no policy).

        The document is a dict or JSON text, attached as one managed policy.
        """
        iam = self.admin_session().client("iam")
        name = name or f"principal-{uuid.uuid4().hex[:12]}"
        arn: str = iam.create_user(UserName=name)["User"]["Arn"]
        if policy_document is not None:
            text = (
                policy_document
                if isinstance(policy_document, str)
                else json.dumps(dict(policy_document))
            )
            policy_arn = iam.create_policy(PolicyName=name, PolicyDocument=text)["Policy"]["Arn"]
            iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        return SandboxSession(self.endpoint_url, self.region, credentials, arn, name)

    def denials(self, principal: SandboxSession | str | None = None) -> list[DenyRecord]:
        """Every denial the account issued, oldest first; only `principal`'s when given."""
        records = read_deny_log(self.deny_log) if self.deny_log else []
        if principal is None:
            return records
        arn = principal if isinstance(principal, str) else principal.arn
        return [r for r in records if r.principal == arn]

"""The operator's session and the account guard: the embedded sandbox started, or a real
account checked against the allow-list.

The operator edits the deployer's policy, reads stack events and cleans up; it
is never the deployer, and its own permissions are never edited.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from autofix import untrusted
from autofix.config import Config
from autofix.config.tables import SandboxConfig
from autofix.data.botocore_models import data_session
from autofix.errors import ConfigError, SafetyRefusal
from autofix.sandbox.records import SandboxRecords
from autofix.sandbox.server import EmbeddedSandbox, SandboxInfo, SandboxStopped

_RETRIES = BotoConfig(retries={"max_attempts": 8, "mode": "adaptive"})


@dataclass(frozen=True)
class Operator:
    """An admin session on the sandbox account."""

    session: boto3.Session
    endpoint: str | None
    account_id: str
    arn: str
    region: str

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint, config=_RETRIES)

    @property
    def is_local(self) -> bool:
        return self.endpoint is not None


def local_operator(info: SandboxInfo) -> Operator:
    """The operator of the embedded sandbox."""
    # the user's AWS_PROFILE names a profile of a real account, not the sandbox's
    isolated = data_session()
    session = boto3.Session(
        aws_access_key_id=info.operator.access_key_id,
        aws_secret_access_key=info.operator.secret_access_key,
        region_name=info.region,
        botocore_session=isolated,
    )
    sts = session.client("sts", endpoint_url=info.endpoint)
    arn = sts.get_caller_identity()["Arn"]
    return Operator(session, info.endpoint, info.account_id, arn, info.region)


def aws_operator(config: SandboxConfig) -> Operator:
    """The operator of a real account, refused unless the account is allow-listed."""
    try:
        session = boto3.Session(profile_name=config.profile, region_name=config.region)
        identity = session.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        raise ConfigError(f"sandbox.profile: cannot use the operator credentials: {exc}") from None
    account = identity["Account"]
    if account not in config.allowed_accounts:
        allowed = ", ".join(config.allowed_accounts)
        raise SafetyRefusal(
            f"account {account} is not in sandbox.allowed_accounts ({allowed}); "
            "autofix edits IAM and only runs in an account you allow-listed"
        )
    frozen = session.get_credentials()
    if frozen is not None:  # the operator's own secret is masked like the deployer's
        held = frozen.get_frozen_credentials()
        untrusted.remember(held.secret_key, held.token)
    endpoint = session.client("sts").meta.endpoint_url
    is_custom = "amazonaws.com" not in endpoint
    return Operator(
        session, endpoint if is_custom else None, account, identity["Arn"], config.region
    )


@contextlib.contextmanager
def open_operator(
    config: Config, records: SandboxRecords | None = None, soft: bool = False
) -> Iterator[Operator]:
    """The operator of the configured sandbox: embedded (started here) or a real account.

    On the embedded sandbox, `records` is where it writes its records (cleared first: each
    run starts with fresh ones); `soft` makes it record implicit denials and allow them.
    """
    if config.sandbox.kind != "local":
        yield aws_operator(config.sandbox)
        return
    if records is not None:
        records.clear()
    sandbox = EmbeddedSandbox(
        region=config.sandbox.region,
        account_id=config.sandbox.account_id,
        deny_log=records.denials if records else None,
        server_log=records.server_log if records else None,
        propagation_delay=config.sandbox.simulate_propagation_seconds,
        soft=soft,
        plugins=config.sandbox.plugins,
    )
    with sandbox as info:
        try:
            yield local_operator(info)
        except (BotoCoreError, OSError):
            if sandbox.stopped():  # not a fault of the step: the account is gone
                raise SandboxStopped(
                    sandbox.log_tail(),
                    records.server_log if records else None,
                    sandbox.how_it_ended(),
                ) from None
            raise

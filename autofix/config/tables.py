"""The tables of `autofix.toml` as frozen pydantic dataclasses (`extra="forbid"`).

A new key is one field with a type from `autofix.config.fields`; its errors then read
`<file>: <table>.<key>: <message>` with no other change.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import field
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import ArgsKwargs

from autofix.config.fields import (
    TABLE,
    AccountId,
    AccountIds,
    Env,
    Flag,
    IamName,
    NonNegative,
    OptionalNonEmpty,
    OptionalPositive,
    PolicyName,
    Positive,
    PositiveInt,
    Region,
    RelativePath,
    RoleNames,
    Strings,
    choice,
    invalid,
)
from autofix.sandbox import DEFAULT_ACCOUNT_ID

__all__ = [
    "POLICY_MODES",
    "PRINCIPAL_TYPES",
    "SANDBOX_KINDS",
    "SCOPES",
    "GuardConfig",
    "HarvestConfig",
    "LoopConfig",
    "PolicyConfig",
    "PrincipalConfig",
    "SandboxConfig",
    "Tables",
    "VerifyConfig",
    "given_keys",
]

SANDBOX_KINDS = ("local", "aws")
PRINCIPAL_TYPES = ("user", "role")
POLICY_MODES = ("inline", "managed")
SCOPES = ("resource", "service", "any")
SandboxKind = Annotated[str, choice(*SANDBOX_KINDS)]
PrincipalType = Annotated[str, choice(*PRINCIPAL_TYPES)]
PolicyMode = Annotated[str, choice(*POLICY_MODES)]
Scope = Annotated[str, choice(*SCOPES)]


def given_keys(raw: Any) -> set[str]:
    """The keys a table was given (from the file, or as keywords in code)."""
    if isinstance(raw, Mapping):
        return set(raw)
    if isinstance(raw, ArgsKwargs):
        return set(raw.kwargs or {})
    return set()


@dataclass(frozen=True, config=TABLE)
class SandboxConfig:
    """Where the steps run: the embedded sandbox, or an allow-listed real account."""

    kind: SandboxKind = "local"
    region: Region = "us-east-1"
    profile: OptionalNonEmpty = None
    allowed_accounts: AccountIds = ()
    propagation_seconds: OptionalPositive = None
    account_id: AccountId = DEFAULT_ACCOUNT_ID
    simulate_propagation_seconds: NonNegative = 0.0
    plugins: Strings = ()
    """Modules the embedded sandbox's server loads (`autofix.sandbox.server.serve`)."""

    @model_validator(mode="wrap")
    @classmethod
    def _real_account(cls, raw: Any, handler: Any, info: ValidationInfo) -> SandboxConfig:
        table: SandboxConfig = handler(raw)
        if table.kind != "aws":
            return table
        if not table.allowed_accounts:
            raise invalid("required for a real account (sandbox.kind = 'aws')", "allowed_accounts")
        if "account_id" in given_keys(raw):
            raise invalid("only for the embedded sandbox; use allowed_accounts", "account_id")
        if table.simulate_propagation_seconds:
            raise invalid("only for the embedded sandbox", "simulate_propagation_seconds")
        if table.plugins:
            raise invalid("only for the embedded sandbox", "plugins")
        return table


@dataclass(frozen=True, config=TABLE)
class PrincipalConfig:
    """The deployer whose policy is being discovered."""

    type: PrincipalType = "user"
    name: IamName = "autofix-deployer"
    policy: PolicyMode = "managed"
    policy_name: PolicyName = "autofix-discovered"
    also_manage: RoleNames = ()
    """Other roles whose denials autofix grants (e.g. a CloudFormation service role)."""

    @model_validator(mode="after")
    def _not_itself(self) -> PrincipalConfig:
        if self.type == "role" and self.name in self.also_manage:
            raise invalid(f"{self.name!r} is the deployer itself", "also_manage")
        return self


_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]+$")


def _boundary(value: Any) -> str:
    """`[policy] permissions_boundary`: a managed policy's ARN."""
    if not isinstance(value, str) or not _POLICY_ARN.match(value):
        raise invalid(
            f"{value!r}: expected a managed policy ARN (arn:aws:iam::123456789012:policy/NAME)"
        )
    return value


@dataclass(frozen=True, config=TABLE)
class PolicyConfig:
    """The policy the run starts from and how its grants are scoped."""

    start: RelativePath = None
    scope: Scope = "resource"
    service_names: Strings = ()
    stages: Strings = ()
    allow_self_edit: Flag = False
    permissions_boundary: Annotated[str | None, BeforeValidator(_boundary)] = None
    """A managed policy ARN: role creation and role-policy writes are granted only with it
    as the role's permissions boundary (`iam:PermissionsBoundary`)."""


def _allowances(value: Any) -> tuple[str, ...]:
    """`[guard] allow`: `ACTION` or `ACTION on ARN-PATTERN` (wildcards allowed)."""
    entries = value if isinstance(value, list | tuple) else None
    if entries is None or not all(isinstance(v, str) for v in entries):
        raise invalid("must be a list of strings ('ACTION' or 'ACTION on ARN')")
    for entry in entries:
        action, _, resource = entry.partition(" on ")
        service, colon, name = action.strip().partition(":")
        if not (colon and service and name) or " " in action.strip() or (_ and not resource):
            raise invalid(f"{entry!r}: expected 'service:Action' or 'service:Action on ARN'")
    return tuple(entries)


@dataclass(frozen=True, config=TABLE)
class GuardConfig:
    """What the safety guard lets through beyond its defaults."""

    allow: Annotated[tuple[str, ...], BeforeValidator(_allowances)] = ()
    """Refused or flagged grants explicitly allowed: `ACTION` or `ACTION on ARN-PATTERN`."""
    trust_output: Flag = False
    """Grant denials read from a step's output even when the account never recorded them."""
    cloudtrail: Flag = False
    """On a real account, grant a denial read from a step's output only when CloudTrail
    recorded it (waiting up to `harvest.cloudtrail_wait_seconds` for the record)."""


@dataclass(frozen=True, config=TABLE)
class LoopConfig:
    """How long the run may try."""

    max_attempts: PositiveInt = 40
    max_minutes: Positive = 60.0


@dataclass(frozen=True, config=TABLE)
class HarvestConfig:
    """Where denials are looked for beyond what the attempt shows by itself."""

    stacks: Strings = ()
    cloudtrail_wait_seconds: Positive = 300.0


@dataclass(frozen=True, config=TABLE)
class VerifyConfig:
    """The verify pass: replay the final policy in a fresh account before calling it done."""

    rounds: PositiveInt = 3
    """Replays that may still need grants before the run gives up (exit 1)."""
    env: Env = field(default_factory=dict)
    """Set for every step during a replay; `{run}` becomes a fresh id per replay. On a real
    account (no fresh account to replay in) this names a fresh stack, and is required."""


@dataclass(frozen=True, config=TABLE, kw_only=True)
class Tables:
    """The file's optional tables, each with its defaults: the file's schema
    (`config.file.ConfigFile`) and the run's configuration (`config.Config`) both have them."""

    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    principal: PrincipalConfig = field(default_factory=PrincipalConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    loop: LoopConfig = field(default_factory=LoopConfig)
    harvest: HarvestConfig = field(default_factory=HarvestConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    guard: GuardConfig = field(default_factory=GuardConfig)

    def tables(self) -> dict[str, Any]:
        """Each table by its name (to carry them from the file to the configuration)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(Tables)}

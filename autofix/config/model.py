"""Read `autofix.toml` (or `[tool.autofix]` in pyproject.toml) into frozen records.

Every unknown key and bad value is a ConfigError naming the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autofix.config.lifecycle import deploys, rehearsal_command, rehearsal_name
from autofix.errors import ConfigError
from autofix.sandbox import DEFAULT_ACCOUNT_ID

SANDBOX_KINDS = ("local", "aws")
PRINCIPAL_TYPES = ("user", "role")
POLICY_MODES = ("inline", "managed")
SCOPES = ("resource", "service", "any")
_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class SandboxConfig:
    """Where the steps run: the embedded sandbox, or an allow-listed real account."""

    kind: str = "local"
    region: str = "us-east-1"
    profile: str | None = None
    allowed_accounts: tuple[str, ...] = ()
    propagation_seconds: float | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    simulate_propagation_seconds: float = 0.0
    plugins: tuple[str, ...] = ()
    """Modules the embedded sandbox's server loads (`autofix.sandbox.server.serve`)."""


@dataclass(frozen=True)
class PrincipalConfig:
    """The deployer whose policy is being discovered."""

    type: str = "user"
    name: str = "autofix-deployer"
    policy: str = "managed"
    policy_name: str = "autofix-discovered"
    also_manage: tuple[str, ...] = ()
    """Other roles whose denials autofix grants (e.g. a CloudFormation service role)."""


@dataclass(frozen=True)
class PolicyConfig:
    start: Path | None = None
    scope: str = "resource"
    service_names: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    allow_self_edit: bool = False


@dataclass(frozen=True)
class LoopConfig:
    max_attempts: int = 40
    max_minutes: float = 60.0


@dataclass(frozen=True)
class HarvestConfig:
    """Where denials are looked for beyond what the attempt shows by itself."""

    stacks: tuple[str, ...] = ()
    cloudtrail_wait_seconds: float = 300.0


@dataclass(frozen=True)
class VerifyConfig:
    """The verify pass: replay the final policy in a fresh account before calling it done."""

    rounds: int = 3
    """Replays that may still need grants before the run gives up (exit 1)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Set for every step during a replay; `{run}` becomes a fresh id per replay. On a real
    account (no fresh account to replay in) this names a fresh stack, and is required."""


@dataclass(frozen=True)
class Step:
    """One deploy step: a shell command run with the deployer's credentials."""

    name: str
    run: str
    cwd: Path
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 1800.0
    stacks: tuple[str, ...] = ()
    rehearse: bool | None = None
    """Run the step again as an update after it succeeds; None: when its command deploys."""
    rehearse_run: str | None = None
    """The rehearsal's own command (default: `run`, forced to redeploy for known tools)."""
    rehearsal_of: str | None = None
    """Set on a rehearsal step: the name of the step it runs again as an update."""

    @property
    def rehearsal(self) -> bool:
        return self.rehearsal_of is not None


@dataclass(frozen=True)
class Config:
    steps: tuple[Step, ...]
    sandbox: SandboxConfig = SandboxConfig()
    principal: PrincipalConfig = PrincipalConfig()
    policy: PolicyConfig = PolicyConfig()
    loop: LoopConfig = LoopConfig()
    base_dir: Path = Path(".")
    source: Path | None = None
    harvest: HarvestConfig = HarvestConfig()
    verify: VerifyConfig = VerifyConfig()
    setup: tuple[Step, ...] = ()
    """`[[setup]]`: run as the sandbox's operator before the steps, in every account opened."""


def load_config(path: Path) -> Config:
    """Parse a config file; `pyproject.toml` is read from its `[tool.autofix]` table."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        raw = raw.get("tool", {}).get("autofix")
        if raw is None:
            raise ConfigError(f"{path}: no [tool.autofix] table")
    return parse_config(raw, base_dir=path.resolve().parent, source=path)


def parse_config(raw: Mapping[str, Any], base_dir: Path, source: Path | None = None) -> Config:
    where = str(source) if source else "config"
    _only_keys(
        raw,
        {"sandbox", "principal", "policy", "loop", "harvest", "verify", "steps", "setup"},
        where,
        "",
    )
    sandbox = _sandbox(_table(raw, "sandbox", where), where)
    principal = _principal(_table(raw, "principal", where), where)
    policy = _policy(_table(raw, "policy", where), where, base_dir)
    loop = _loop(_table(raw, "loop", where), where)
    harvest = _harvest(_table(raw, "harvest", where), where)
    verify = _verify(_table(raw, "verify", where), where)
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise ConfigError(f"{where}: steps: at least one [[steps]] entry is required")
    steps = lifecycle(_step(s, i, where, base_dir) for i, s in enumerate(steps_raw))
    names = [s.name for s in steps]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{where}: steps: the step name {name!r} is used twice")
    setup = _setup(raw.get("setup", []), sandbox, where, base_dir)
    return Config(steps, sandbox, principal, policy, loop, base_dir, source, harvest, verify, setup)


def _setup(raw: Any, sandbox: SandboxConfig, where: str, base_dir: Path) -> tuple[Step, ...]:
    """`[[setup]]` steps: name, run, cwd, env, timeout; the embedded sandbox only."""
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: setup: must be a list of [[setup]] tables")
    if raw and sandbox.kind != "local":
        raise ConfigError(
            f"{where}: setup: runs as the sandbox's operator, so only on the embedded sandbox "
            "(sandbox.kind = 'local'); on a real account an administrator runs it before autofix"
        )
    steps = []
    for index, table in enumerate(raw):
        if isinstance(table, Mapping):
            for key in ("stacks", "rehearse", "rehearse_run"):
                if key in table:
                    raise ConfigError(
                        f"{where}: setup[{index}].{key}: unknown key (expected one of: "
                        "cwd, env, name, run, timeout)"
                    )
        step = _step(table, index, where, base_dir, "setup")
        steps.append(replace(step, rehearse=False))
    return tuple(steps)


def steps_from_command(argv: list[str], base_dir: Path, name: str = "command") -> tuple[Step, ...]:
    """A single step from `autofix run -- CMD ARGS...`."""
    import shlex

    if not argv:
        raise ConfigError("no command given after --")
    return lifecycle([Step(name=name, run=shlex.join(argv), cwd=base_dir)])


def lifecycle(steps: Iterable[Step]) -> tuple[Step, ...]:
    """Each step, then its update rehearsal when it has one (autofix.config.lifecycle)."""
    out: list[Step] = []
    for step in steps:
        out.append(step)
        wanted = step.rehearse if step.rehearse is not None else deploys(step.run)
        if wanted and not step.rehearsal:
            out.append(
                replace(
                    step,
                    name=rehearsal_name(step.name),
                    run=rehearsal_command(step.run, step.rehearse_run),
                    rehearse=False,
                    rehearsal_of=step.name,
                )
            )
    return tuple(out)


def _table(raw: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: {key}: must be a table")
    return value


def _only_keys(table: Mapping[str, Any], allowed: set[str], where: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            hint = ", ".join(sorted(allowed))
            raise ConfigError(f"{where}: {prefix}{key}: unknown key (expected one of: {hint})")


def _choice(
    table: Mapping[str, Any],
    key: str,
    choices: tuple[str, ...],
    default: str,
    where: str,
    prefix: str,
) -> str:
    value = table.get(key, default)
    if value not in choices:
        raise ConfigError(f"{where}: {prefix}{key}: {value!r} is not one of {', '.join(choices)}")
    return str(value)


def _string(
    table: Mapping[str, Any], key: str, default: str | None, where: str, prefix: str
) -> str | None:
    value = table.get(key, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(f"{where}: {prefix}{key}: must be a non-empty string")
    return value


def _number(
    table: Mapping[str, Any],
    key: str,
    default: float,
    where: str,
    prefix: str,
    integer: bool = False,
) -> float:
    value = table.get(key, default)
    valid = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not valid or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise ConfigError(f"{where}: {prefix}{key}: must be {kind}, not {value!r}")
    return float(value)


def _sandbox(t: Mapping[str, Any], where: str) -> SandboxConfig:
    p = "sandbox."
    _only_keys(
        t,
        {
            "kind",
            "region",
            "profile",
            "allowed_accounts",
            "propagation_seconds",
            "account_id",
            "simulate_propagation_seconds",
            "plugins",
        },
        where,
        p,
    )
    kind = _choice(t, "kind", SANDBOX_KINDS, "local", where, p)
    region = _string(t, "region", "us-east-1", where, p) or "us-east-1"
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        raise ConfigError(f"{where}: {p}region: {region!r} is not an AWS region name")
    profile = _string(t, "profile", None, where, p)
    accounts = t.get("allowed_accounts", [])
    if not isinstance(accounts, list) or not all(
        isinstance(a, str) and _ACCOUNT.match(a) for a in accounts
    ):
        raise ConfigError(f"{where}: {p}allowed_accounts: must be a list of 12-digit account ids")
    if kind == "aws" and not accounts:
        raise ConfigError(
            f"{where}: {p}allowed_accounts: required for a real account (sandbox.kind = 'aws')"
        )
    propagation = t.get("propagation_seconds")
    if propagation is not None:
        propagation = _number(t, "propagation_seconds", 0, where, p)
    account_id = t.get("account_id", DEFAULT_ACCOUNT_ID)
    if not isinstance(account_id, str) or not _ACCOUNT.match(account_id):
        raise ConfigError(f"{where}: {p}account_id: must be a 12-digit account id")
    if kind == "aws" and "account_id" in t:
        raise ConfigError(
            f"{where}: {p}account_id: only for the embedded sandbox; use allowed_accounts"
        )
    simulate = t.get("simulate_propagation_seconds", 0)
    if isinstance(simulate, bool) or not isinstance(simulate, int | float) or simulate < 0:
        raise ConfigError(f"{where}: {p}simulate_propagation_seconds: must be a number >= 0")
    if kind == "aws" and simulate:
        raise ConfigError(
            f"{where}: {p}simulate_propagation_seconds: only for the embedded sandbox"
        )
    plugins = _strings(t, "plugins", where, p)
    if kind == "aws" and plugins:
        raise ConfigError(f"{where}: {p}plugins: only for the embedded sandbox")
    return SandboxConfig(
        kind, region, profile, tuple(accounts), propagation, account_id, float(simulate), plugins
    )


def _principal(t: Mapping[str, Any], where: str) -> PrincipalConfig:
    p = "principal."
    _only_keys(t, {"type", "name", "policy", "policy_name", "also_manage"}, where, p)
    kind = _choice(t, "type", PRINCIPAL_TYPES, "user", where, p)
    name = _string(t, "name", "autofix-deployer", where, p) or ""
    policy_name = _string(t, "policy_name", "autofix-discovered", where, p) or ""
    for key, value in (("name", name), ("policy_name", policy_name)):
        if not _NAME.match(value):
            raise ConfigError(f"{where}: {p}{key}: {value!r} is not a valid IAM name")
    mode = _choice(t, "policy", POLICY_MODES, "managed", where, p)
    also = tuple(_role_name(r, where, p) for r in _strings(t, "also_manage", where, p))
    if name in also and kind == "role":
        raise ConfigError(f"{where}: {p}also_manage: {name!r} is the deployer itself")
    return PrincipalConfig(kind, name, mode, policy_name, also)


def _role_name(value: str, where: str, prefix: str) -> str:
    """`role/NAME`, `NAME` or a role ARN -> NAME."""
    name = value.rsplit(":role/", 1)[-1] if value.startswith("arn:") else value
    name = name.removeprefix("role/").rsplit("/", 1)[-1]
    if not _NAME.match(name) or (value.startswith("arn:") and ":role/" not in value):
        raise ConfigError(f"{where}: {prefix}also_manage: {value!r} is not a role name or ARN")
    return name


def _harvest(t: Mapping[str, Any], where: str) -> HarvestConfig:
    p = "harvest."
    _only_keys(t, {"stacks", "cloudtrail_wait_seconds"}, where, p)
    wait = _number(t, "cloudtrail_wait_seconds", 300.0, where, p)
    return HarvestConfig(_strings(t, "stacks", where, p), wait)


def _policy(t: Mapping[str, Any], where: str, base_dir: Path) -> PolicyConfig:
    p = "policy."
    _only_keys(t, {"start", "scope", "service_names", "stages", "allow_self_edit"}, where, p)
    start = _string(t, "start", None, where, p)
    scope = _choice(t, "scope", SCOPES, "resource", where, p)
    names = _strings(t, "service_names", where, p)
    stages = _strings(t, "stages", where, p)
    allow = t.get("allow_self_edit", False)
    if not isinstance(allow, bool):
        raise ConfigError(f"{where}: {p}allow_self_edit: must be true or false")
    return PolicyConfig(base_dir / start if start else None, scope, names, stages, allow)


def _strings(t: Mapping[str, Any], key: str, where: str, prefix: str) -> tuple[str, ...]:
    value = t.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: {prefix}{key}: must be a list of non-empty strings")
    return tuple(value)


def _loop(t: Mapping[str, Any], where: str) -> LoopConfig:
    p = "loop."
    _only_keys(t, {"max_attempts", "max_minutes"}, where, p)
    return LoopConfig(
        max_attempts=int(_number(t, "max_attempts", 40, where, p, integer=True)),
        max_minutes=_number(t, "max_minutes", 60.0, where, p),
    )


def _verify(t: Mapping[str, Any], where: str) -> VerifyConfig:
    p = "verify."
    _only_keys(t, {"rounds", "env"}, where, p)
    rounds = int(_number(t, "rounds", 3, where, p, integer=True))
    return VerifyConfig(rounds, _env_table(t, where, p))


def _env_table(t: Mapping[str, Any], where: str, p: str) -> dict[str, str]:
    """`env = { NAME = "value" }`: strings, and no AWS_* variable (autofix sets those)."""
    env = t.get("env", {})
    if not isinstance(env, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise ConfigError(f"{where}: {p}env: must be a table of strings")
    for key in env:
        if key.startswith("AWS_") and key not in ("AWS_SDK_LOAD_CONFIG",):
            raise ConfigError(
                f"{where}: {p}env: {key}: AWS credentials and endpoints are set by autofix"
            )
    return dict(env)


def _step(raw: Any, index: int, where: str, base_dir: Path, table: str = "steps") -> Step:
    p = f"{table}[{index}]."
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: {table}[{index}]: must be a table")
    _only_keys(
        raw,
        {"name", "run", "cwd", "env", "timeout", "stacks", "rehearse", "rehearse_run"},
        where,
        p,
    )
    name = _string(raw, "name", None, where, p)
    run = _string(raw, "run", None, where, p)
    if name is None:
        raise ConfigError(f"{where}: {p}name: required")
    if run is None:
        raise ConfigError(f"{where}: {p}run: required")
    cwd = base_dir / (_string(raw, "cwd", ".", where, p) or ".")
    if not cwd.is_dir():
        raise ConfigError(f"{where}: {p}cwd: {cwd} is not a directory")
    env = _env_table(raw, where, p)
    timeout = _number(raw, "timeout", 1800.0, where, p)
    stacks = _strings(raw, "stacks", where, p)
    rehearse = raw.get("rehearse")
    if rehearse is not None and not isinstance(rehearse, bool):
        raise ConfigError(f"{where}: {p}rehearse: must be true or false")
    rehearse_run = _string(raw, "rehearse_run", None, where, p)
    if rehearse is False and rehearse_run is not None:
        raise ConfigError(f"{where}: {p}rehearse_run: given, but rehearse = false")
    if rehearse_run is not None:
        rehearse = True
    return Step(name, run, cwd.resolve(), env, timeout, stacks, rehearse, rehearse_run)

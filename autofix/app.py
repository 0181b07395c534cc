"""Wiring a run: sandbox, operator, deployer, start policy, loop, outputs."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from autofix.account.principal import Deployer
from autofix.account.rehearsal import StepHook, rehearsal_switch
from autofix.account.session import Operator, aws_operator, local_operator
from autofix.account.stacks import Recovery, recover, stacks_touched
from autofix.check import CheckOutcome, check_policy, unused_actions
from autofix.config import Config, PrincipalConfig, Step
from autofix.console import Console
from autofix.errors import ConfigError
from autofix.files import write_atomic
from autofix.harvest.account_log import cloudtrail_log, sandbox_deny_log
from autofix.harvest.collect import AccountLog, Harvester
from autofix.ledger import Events, Ledger
from autofix.loop import LoopSettings, OutputFiles, RepairLoop
from autofix.outcome import RunOutcome
from autofix.policy.document import PolicyDocument, PolicyError
from autofix.policy.render import Style, fill_placeholders, portable
from autofix.policy.scope import Mode
from autofix.project import service_names_of, stages_of
from autofix.prune import PruneResult, prune
from autofix.sandbox.fidelity.access_log import read_access_log
from autofix.sandbox.server import EmbeddedSandbox


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path
    max_attempts: int | None = None
    scope: str | None = None
    start_policy: Path | None = None
    verbose: bool = False
    allow_self_edit: bool = False
    portable: Style | None = None
    verify: bool = True


@contextlib.contextmanager
def open_operator(config: Config, deny_log: Path | None = None) -> Iterator[Operator]:
    """The operator of the configured sandbox: embedded (started here) or a real account."""
    if config.sandbox.kind == "local":
        if deny_log is not None:  # each run starts with fresh sandbox records
            deny_log.unlink(missing_ok=True)
            deny_log.with_name("sandbox-access.jsonl").unlink(missing_ok=True)
        server_log = deny_log.with_name("sandbox.log") if deny_log else None
        with EmbeddedSandbox(
            region=config.sandbox.region,
            account_id=config.sandbox.account_id,
            deny_log=deny_log,
            server_log=server_log,
            propagation_delay=config.sandbox.simulate_propagation_seconds,
        ) as info:
            yield local_operator(info)
    else:
        yield aws_operator(config.sandbox)


def load_start_policy(path: Path | None, account_id: str, region: str) -> PolicyDocument:
    """The user's start policy, validated (file, line, what is wrong).

    Portable placeholders (`<account_no>`, `${AWS::AccountId}`, ...) are filled in
    with the account and region the steps run in.
    """
    if path is None:
        return PolicyDocument()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the policy: {exc}") from None
    try:
        return PolicyDocument.loads(
            fill_placeholders(text, account_id, region), str(path), check_actions=True
        )
    except PolicyError as exc:
        raise ConfigError(str(exc)) from None


def _mode(scope: str) -> Mode:
    if scope not in ("resource", "service", "any"):
        raise ConfigError(f"--scope: {scope!r} is not one of resource, service, any")
    return scope  # type: ignore[return-value]


def _account_log(
    operator: Operator,
    principals: Sequence[Deployer],
    deny_log: Path | None,
    wait_seconds: float = 300.0,
    events: Events | None = None,
) -> AccountLog:
    """The account's record of the principals' denials: the sandbox log, or CloudTrail."""

    def matches(arn: str | None) -> bool:
        return any(p.matches_exactly(arn) for p in principals)

    if deny_log is not None:
        return sandbox_deny_log(deny_log, matches)

    def notice(seconds: float, why: str) -> None:
        if events is not None:
            events.emit("wait", seconds=seconds, why=why)

    return cloudtrail_log(operator.client("cloudtrail"), matches, wait_seconds, notice)


def managed_roles(operator: Operator, config: Config) -> list[Deployer]:
    """The other roles the config lets autofix grant to (`principal.also_manage`)."""
    return [
        Deployer(
            operator,
            PrincipalConfig(
                type="role",
                name=name,
                policy=config.principal.policy,
                policy_name=f"{config.principal.policy_name}-{name}"[:128],
            ),
        )
        for name in config.principal.also_manage
    ]


def stack_recoverer(
    operator: Operator, named: tuple[str, ...] = ()
) -> Callable[[Step, float], list[Recovery]]:
    """Between attempts, the operator repairs the stacks the attempt touched."""
    cfn = operator.client("cloudformation")

    def recover_touched(step: Step, since: float) -> list[Recovery]:
        start = datetime.fromtimestamp(since, tz=UTC)
        names = tuple(dict.fromkeys((*named, *step.stacks)))
        done = [recover(cfn, stack, start) for stack in stacks_touched(cfn, start, names)]
        return [d for d in done if d is not None]

    return recover_touched


def run(config: Config, options: RunOptions, console: Console) -> RunOutcome:
    """Carry the configured steps from the start policy to success (or say why not)."""
    start_path = options.start_policy or config.policy.start
    # validated before anything starts; filled in again with the real account below
    policy = load_start_policy(start_path, config.sandbox.account_id, config.sandbox.region)
    files = OutputFiles(options.out_dir)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:12]
    ledger = Ledger(files.ledger, run_id)
    events = Events(ledger, console)
    deny_log = options.out_dir / "sandbox-denials.jsonl" if config.sandbox.kind == "local" else None
    try:
        with open_operator(config, deny_log) as operator:
            policy = load_start_policy(start_path, operator.account_id, operator.region)
            kind = "embedded sandbox" if config.sandbox.kind == "local" else "account"
            console.say(
                f"autofix · {kind} {operator.account_id} ({operator.region}) · "
                f"deployer {config.principal.type} {config.principal.name} · "
                f"{len(policy.actions)} actions to start",
                bold=True,
            )
            deployer = Deployer(operator, config.principal)
            deployer.ensure()
            roles = managed_roles(operator, config)
            settle = config.sandbox.propagation_seconds
            if settle is None:
                settle = 0.0 if operator.is_local else 10.0
            settings = LoopSettings(
                max_attempts=options.max_attempts or config.loop.max_attempts,
                max_seconds=config.loop.max_minutes * 60,
                scope=_mode(options.scope or config.policy.scope),
                account_id=operator.account_id,
                service_names=config.policy.service_names or service_names_of(config.steps),
                stages=config.policy.stages or stages_of(config.steps),
                allow_self_edit=options.allow_self_edit or config.policy.allow_self_edit,
                settle_seconds=settle,
                propagation_retries=(
                    3 if not operator.is_local or config.sandbox.simulate_propagation_seconds else 0
                ),
                endpoint=operator.endpoint,
                region=operator.region,
            )
            loop = RepairLoop(
                config.steps,
                deployer,
                policy,
                settings,
                events,
                files,
                dict(os.environ),
                harvest=Harvester(
                    operator,
                    config.harvest.stacks,
                    _account_log(
                        operator,
                        [deployer, *roles],
                        deny_log,
                        config.harvest.cloudtrail_wait_seconds,
                        events,
                    ),
                ),
                recover=stack_recoverer(operator, config.harvest.stacks),
                on_line=console.line,
                managed_roles=roles,
                around_attempt=_rehearsal_switch(config, operator),
                verify=(
                    _verifier(config, files, events, console)
                    if options.verify
                    and config.sandbox.kind == "local"
                    and not config.principal.also_manage
                    else None
                ),
            )
            try:
                outcome = loop.run()
            finally:
                deployer.close()
        final_policy = loop.policy
    finally:
        ledger.close()
    shown = {
        "policy": str(files.policy),
        "ledger": str(files.ledger),
        "summary": str(files.summary),
    }
    if options.portable is not None:
        path = files.directory / "policy.portable.json"
        doc = portable(final_policy, operator.account_id, operator.region, options.portable)
        write_atomic(path, doc.dumps())
        shown["portable"] = str(path)
    console.summary(outcome, shown)
    return outcome


def _rehearsal_switch(config: Config, operator: Operator) -> StepHook:
    """Rehearsal steps switch the embedded sandbox's rehearsal on; a real account has none."""
    return rehearsal_switch(operator.endpoint if config.sandbox.kind == "local" else None)


def _verifier(
    config: Config, files: OutputFiles, events: Events, console: Console
) -> Callable[[PolicyDocument], PruneResult]:
    """Replay the final policy in a fresh sandbox; drop the actions no step used."""

    def verify(policy: PolicyDocument) -> PruneResult:
        console.say("verifying the policy in a fresh sandbox …", bold=True)
        verify_dir = files.directory / "verify"
        verify_dir.mkdir(parents=True, exist_ok=True)
        verify_ledger = Ledger(verify_dir / "ledger.jsonl", uuid.uuid4().hex[:12])
        try:

            def run_once(doc: PolicyDocument, label: str) -> CheckOutcome:
                (verify_dir / label).mkdir(parents=True, exist_ok=True)
                return replay(config, doc, verify_dir / label, Events(verify_ledger), None)

            result = prune(policy, run_once, events)
        finally:
            verify_ledger.close()
        if result.pruned:
            console.say(
                f"  pruned {len(result.pruned)} action(s) no step used in a clean replay: "
                + ", ".join(result.pruned),
                fg="yellow",
            )
        elif result.verified:
            console.say("  every granted action was used", fg="green")
        if result.reason:
            console.say(f"  {result.reason}", fg="yellow")
        return result

    return verify


def with_out_dir(options: RunOptions, config: Config, out: Path | None) -> RunOptions:
    """`--out`, or `.autofix/` beside the config file."""
    return replace(options, out_dir=out or (config.base_dir / ".autofix"))


def check(
    config: Config, policy_path: Path, out_dir: Path, console: Console, scope: str | None = None
) -> CheckOutcome:
    """Replay the saved policy at `policy_path` against the steps; never widen it."""
    load_start_policy(policy_path, config.sandbox.account_id, config.sandbox.region)
    out_dir.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(out_dir / "check-ledger.jsonl", uuid.uuid4().hex[:12])
    try:
        return replay(config, policy_path, out_dir, Events(ledger, console), console, scope=scope)
    finally:
        ledger.close()


def replay(
    config: Config,
    policy: Path | PolicyDocument,
    out_dir: Path,
    events: Events,
    console: Console | None,
    scope: str | None = None,
) -> CheckOutcome:
    """Run the steps once under exactly `policy`, in a fresh sandbox; never widen it.

    On the embedded sandbox, `unused` names the granted actions nobody exercised.
    """
    deny_log = out_dir / "sandbox-denials.jsonl" if config.sandbox.kind == "local" else None
    with open_operator(config, deny_log) as operator:
        if isinstance(policy, Path):
            shown = str(policy)
            policy = load_start_policy(policy, operator.account_id, operator.region)
        else:
            shown = "the discovered policy"
        if console is not None:
            console.say(
                f"autofix check · {shown} ({len(policy.actions)} actions) · "
                f"account {operator.account_id} ({operator.region})",
                bold=True,
            )
        account_log = _account_log(
            operator,
            [Deployer(operator, config.principal)],
            deny_log,
            config.harvest.cloudtrail_wait_seconds,
            events,
        )
        outcome = check_policy(
            config,
            operator,
            policy,
            events,
            scope=_mode(scope or config.policy.scope),
            account_log=account_log,
            around_step=_rehearsal_switch(config, operator),
        )
        if deny_log is not None and outcome.ok:
            access = deny_log.with_name("sandbox-access.jsonl")
            used = [(r["principal"], r["action"]) for r in read_access_log(access)]
            deployer = Deployer(operator, config.principal)
            outcome = replace(outcome, unused=unused_actions(policy, used, deployer))
    return outcome

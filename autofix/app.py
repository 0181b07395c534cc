"""Wiring a run: sandbox, operator, deployer, start policy, loop, outputs."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError

from autofix import lock, resume, signals
from autofix.account.principal import Deployer
from autofix.account.session import Operator, aws_operator, local_operator
from autofix.account.stacks import Recovery, recover, stacks_touched
from autofix.check import CheckOutcome, check_policy, unused_actions
from autofix.config import Config, PrincipalConfig, Step
from autofix.console import Console
from autofix.errors import ConfigError, SafetyRefusal
from autofix.files import write_atomic, write_json_atomic
from autofix.harvest.account_log import cloudtrail_log, sandbox_deny_log
from autofix.harvest.collect import AccountLog, Harvester
from autofix.ledger import Events, Ledger
from autofix.loop import LoopSettings, OutputFiles, RepairLoop
from autofix.outcome import RunOutcome
from autofix.policy.document import PolicyDocument, PolicyError
from autofix.policy.guard import check_document, never_granted_in
from autofix.policy.render import Style, fill_placeholders, portable
from autofix.policy.scope import Mode
from autofix.project import service_names_of, stages_of
from autofix.prune import PruneResult, prune
from autofix.sandbox.fidelity.access_log import read_access_log
from autofix.sandbox.server import EmbeddedSandbox, SandboxStopped


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
    resume: bool = False
    invocation: dict[str, Any] | None = None
    """What `run --resume` needs to run the same steps again (saved as run.json)."""


@contextlib.contextmanager
def open_operator(config: Config, deny_log: Path | None = None) -> Iterator[Operator]:
    """The operator of the configured sandbox: embedded (started here) or a real account."""
    if config.sandbox.kind == "local":
        if deny_log is not None:  # each run starts with fresh sandbox records
            deny_log.unlink(missing_ok=True)
            deny_log.with_name("sandbox-access.jsonl").unlink(missing_ok=True)
        server_log = deny_log.with_name("sandbox.log") if deny_log else None
        sandbox = EmbeddedSandbox(
            region=config.sandbox.region,
            account_id=config.sandbox.account_id,
            deny_log=deny_log,
            server_log=server_log,
            propagation_delay=config.sandbox.simulate_propagation_seconds,
        )
        with sandbox as info:
            try:
                yield local_operator(info)
            except (BotoCoreError, OSError):
                if sandbox.stopped():  # not a fault of the step: the account is gone
                    raise SandboxStopped(sandbox.log_tail(), server_log) from None
                raise
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
    with contextlib.suppress(ValueError):  # malformed JSON is reported just below
        refused = never_granted_in(json.loads(text))
        if refused:
            raise SafetyRefusal(
                f"{path}: {', '.join(dict.fromkeys(refused))} is never granted "
                "(the safety guard refuses *, *:*, iam:* and sts:*); "
                "list the actions the deploy needs instead"
            )
    try:
        doc = PolicyDocument.loads(
            fill_placeholders(text, account_id, region), str(path), check_actions=True
        )
    except PolicyError as exc:
        raise ConfigError(str(exc)) from None
    refusals = [r for r in check_document(doc, None).refusals if not r.overridable]
    if refusals:
        first = refusals[0]
        raise SafetyRefusal(
            f"{path}: {first.action} on {first.resource}: {first.message}"
            + (f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else "")
        )
    return doc


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
    """Carry the configured steps from the start policy to success (or say why not).

    The output directory is claimed first (writable, one run at a time). With
    `options.resume` the run continues the directory's last run: its saved policy, its
    ledger (appended to) and its attempt count.
    """
    start_path = options.start_policy or config.policy.start
    # validated before anything starts; filled in again with the real account below
    policy = load_start_policy(start_path, config.sandbox.account_id, config.sandbox.region)
    files = OutputFiles(options.out_dir)
    with lock.claim(options.out_dir):
        prior = resume.read_prior(files.ledger) if options.resume else None
        if options.resume and prior is None:
            raise ConfigError(f"--resume {options.out_dir}: its ledger records no run to resume")
        if prior is not None and prior.ok:
            raise ConfigError(f"--resume {options.out_dir}: that run succeeded; nothing to resume")
        if not options.resume:
            resume.refuse_unfinished(options.out_dir, files.ledger)
        if options.invocation is not None and not options.resume:
            resume.save_invocation(options.out_dir, options.invocation)
        return _run_claimed(config, options, console, files, start_path, policy, prior)


def _run_claimed(
    config: Config,
    options: RunOptions,
    console: Console,
    files: OutputFiles,
    start_path: Path | None,
    policy: PolicyDocument,
    prior: resume.PriorRun | None,
) -> RunOutcome:
    run_id = prior.run_id if prior else uuid.uuid4().hex[:12]
    ledger = Ledger(files.ledger, run_id, append=prior is not None)
    events = Events(ledger, console)
    deny_log = options.out_dir / "sandbox-denials.jsonl" if config.sandbox.kind == "local" else None
    steps = config.steps
    if prior is not None:
        keep = resume.to_resume([s.name for s in steps], prior, config.sandbox.kind == "local")
        steps = tuple(s for s in steps if s.name in keep)
    try:
        with open_operator(config, deny_log) as operator:
            if prior is None:
                policy = load_start_policy(start_path, operator.account_id, operator.region)
            else:
                policy = load_start_policy(files.policy, operator.account_id, operator.region)
                console.say(
                    f"resuming the run in {options.out_dir} after {prior.attempts_total} "
                    f"attempts, from its saved policy",
                    bold=True,
                )
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
                steps,
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
                verify=(
                    _verifier(config, files, events, console)
                    if options.verify
                    and config.sandbox.kind == "local"
                    and not config.principal.also_manage
                    else None
                ),
            )
            if prior is not None:
                loop.attempts_total = prior.attempts_total
                for role in roles:
                    saved = files.role_policy(role.config.name)
                    if saved.is_file():
                        loop.role_policies[role.config.name] = load_start_policy(
                            saved, operator.account_id, operator.region
                        )
            try:
                outcome = loop.run()
            finally:
                deployer.close()
        final_policy = loop.policy
    except KeyboardInterrupt as exc:
        ledger.close()
        _write_stopped(files, signals.exit_code(exc), "interrupted")
        raise
    except SandboxStopped as exc:
        events.emit("run_end", ok=False, exit_code=exc.exit_code, reason=exc.headline)
        ledger.close()
        _write_stopped(files, exc.exit_code, exc.headline)
        raise
    finally:
        ledger.close()
    if prior is not None:
        outcome = resume.merged(prior, outcome)
        write_json_atomic(files.summary, outcome.to_summary())
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


def _write_stopped(files: OutputFiles, exit_code: int, reason: str) -> None:
    """summary.json for a run that stopped early: each step with the attempts that ran."""
    partial = None
    if files.summary.is_file():
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(files.summary.read_text(encoding="utf-8"))
            partial = RunOutcome(
                False,
                exit_code,
                (),
                int(data.get("attempts_total", 0)),
                float(data.get("seconds", 0.0)),
                flags=tuple(data.get("flags", ())),
                account_id=data.get("account_id"),
                region=data.get("region"),
            )
    outcome = resume.stopped_outcome(files.ledger, exit_code, reason, partial)
    write_json_atomic(files.summary, outcome.to_summary())


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
    with lock.claim(out_dir):  # its sandbox records share the directory with a run's
        ledger = Ledger(out_dir / "check-ledger.jsonl", uuid.uuid4().hex[:12])
        try:
            return replay(
                config, policy_path, out_dir, Events(ledger, console), console, scope=scope
            )
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
        )
        if deny_log is not None and outcome.ok:
            access = deny_log.with_name("sandbox-access.jsonl")
            used = [(r["principal"], r["action"]) for r in read_access_log(access)]
            deployer = Deployer(operator, config.principal)
            outcome = replace(outcome, unused=unused_actions(policy, used, deployer))
    return outcome

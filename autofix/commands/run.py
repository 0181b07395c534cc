"""Wiring a run: sandbox, operator, deployer, start policy, loop, outputs."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError

from autofix.account.principal import Deployer
from autofix.account.session import Operator, aws_operator, local_operator
from autofix.account.stack_names import StackNames
from autofix.account.stacks import Recovery, recover_touched
from autofix.commands.check import CheckOutcome, check_policy, unused_actions
from autofix.config import Config, PrincipalConfig, Step
from autofix.config.project import service_names_of, stages_of
from autofix.console import Console
from autofix.denials.model import Denial
from autofix.errors import ConfigError, SafetyRefusal
from autofix.harvest.account_log import cloudtrail_log, sandbox_deny_log
from autofix.harvest.collect import AccountLog, Harvester, merge
from autofix.loop import LoopSettings, OutputFiles, RepairLoop
from autofix.loop.grantor import Grantor, GrantRules
from autofix.loop.verify import Account, VerifyPass
from autofix.policy.document import PolicyDocument, PolicyError
from autofix.policy.guard import check_document, never_granted_in
from autofix.policy.render import Style, fill_placeholders, portable
from autofix.policy.scope import Mode, ScopeContext
from autofix.predict.predictor import Predictor
from autofix.predict.stack_templates import acting, existing_stacks, reader
from autofix.records import lock, resume, unverified
from autofix.records.demand_marks import DemandMarks
from autofix.records.events import DISCOVER, OBSERVE, ResourceUnverified, RunEnd, Wait
from autofix.records.files import write_atomic, write_json_atomic
from autofix.records.ledger import Events, Ledger
from autofix.records.outcome import RunOutcome
from autofix.sandbox.fidelity import SOFT_DENIALS
from autofix.sandbox.records.access_log import read_access_log
from autofix.sandbox.server import EmbeddedSandbox, SandboxStopped
from autofix.step import signals
from autofix.step.executor import Executor, Harvest, StepExecutor
from autofix.step.hooks.delete_retry import DeleteRetry
from autofix.step.hooks.rehearsal_switch import RehearsalSwitch
from autofix.step.runner import StepResult, run_step
from autofix.step.setup import run_setup

SOFT_SOURCE = "soft-deny-log"
"""The `source` of a denial the soft-mode sandbox recorded and allowed."""


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
    strategy: str = "predict"
    """`trial` (grant per denial under enforcement), `observe` (one soft attempt per step)
    or `predict` (grant what each step's template and tool profile need, then trial)."""
    resume: bool = False
    invocation: dict[str, Any] | None = None
    """What `run --resume` needs to run the same steps again (saved as run.json)."""
    strict: bool = False  # exit 1 when the sandbox could not check a resource


@contextlib.contextmanager
def open_operator(
    config: Config, deny_log: Path | None = None, soft: bool = False
) -> Iterator[Operator]:
    """The operator of the configured sandbox: embedded (started here) or a real account.

    `soft`: the embedded sandbox records implicit denials (`SOFT_DENIALS`) and allows them.
    """
    if config.sandbox.kind == "local":
        if deny_log is not None:  # each run starts with fresh sandbox records
            deny_log.unlink(missing_ok=True)
            deny_log.with_name("sandbox-access.jsonl").unlink(missing_ok=True)
            deny_log.with_name(SOFT_DENIALS).unlink(missing_ok=True)
            deny_log.with_name(unverified.FILE_NAME).unlink(missing_ok=True)
        server_log = deny_log.with_name("sandbox.log") if deny_log else None
        sandbox = EmbeddedSandbox(
            region=config.sandbox.region,
            account_id=config.sandbox.account_id,
            deny_log=deny_log,
            server_log=server_log,
            propagation_delay=config.sandbox.simulate_propagation_seconds,
            soft=soft,
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
            events.emit(Wait(seconds=seconds, why=why))

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

    def recover_step(step: Step, since: float) -> list[Recovery]:
        start = datetime.fromtimestamp(since, tz=UTC)
        return recover_touched(cfn, start, tuple(dict.fromkeys((*named, *step.stacks))))

    return recover_step


def run(config: Config, options: RunOptions, console: Console) -> RunOutcome:
    """Carry the configured steps from the start policy to success (or say why not).

    The output directory is claimed first (writable, one run at a time). With
    `options.resume` the run continues the directory's last run: its saved policy, its
    ledger (appended to) and its attempt count.
    """
    if options.strategy == "observe" and config.sandbox.kind != "local":
        raise ConfigError('--strategy observe needs the embedded sandbox (sandbox.kind = "local")')
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
    observe = options.strategy == "observe"
    run_id = prior.run_id if prior else uuid.uuid4().hex[:12]
    ledger = Ledger(files.ledger, run_id, append=prior is not None)
    events = Events(ledger, console)
    clock = unverified.StepClock()
    events.add(clock)
    deny_log = options.out_dir / "sandbox-denials.jsonl" if config.sandbox.kind == "local" else None
    if deny_log is not None:
        events.add(DemandMarks(deny_log, events))
    steps = config.steps
    if prior is not None:
        keep = resume.to_resume([s.name for s in steps], prior, config.sandbox.kind == "local")
        steps = tuple(s for s in steps if s.name in keep)
    try:
        with open_operator(config, deny_log, soft=observe) as operator:
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
            rules = GrantRules(
                ScopeContext(
                    account_id=operator.account_id,
                    region=operator.region,
                    mode=_mode(options.scope or config.policy.scope),
                    service_names=config.policy.service_names or service_names_of(config.steps),
                    stages=config.policy.stages or stages_of(config.steps),
                ),
                allow_self_edit=options.allow_self_edit or config.policy.allow_self_edit,
                settle_seconds=_settle_seconds(config, operator),
            )
            settings = LoopSettings(
                max_attempts=options.max_attempts or config.loop.max_attempts,
                max_seconds=config.loop.max_minutes * 60,
                propagation_retries=(
                    3 if not operator.is_local or config.sandbox.simulate_propagation_seconds else 0
                ),
                account_id=operator.account_id,
                region=operator.region,
            )
            wiring = _Wiring(config, rules, events, console)
            verifier, unverified_why = _verifier(config, options, wiring, settings, files)
            role_policies = _saved_role_policies(config, files, operator) if prior else {}
            with wiring.account(
                operator, policy, role_policies, files, deny_log, soft=observe
            ) as account:
                loop = RepairLoop(
                    steps,
                    account.executor,
                    account.deployer,
                    settings,
                    events,
                    files,
                    roles=account.roles,
                    verifier=verifier,
                    unverified=unverified_why,
                    phase=OBSERVE if observe else DISCOVER,
                    strategy=options.strategy,
                    generated=account.generated,
                    planner=_planner(options.strategy, account.executor, operator),
                )
                if prior is not None:
                    loop.attempts_total = prior.attempts_total
                outcome = loop.run()
        if deny_log is not None:
            found = unverified.read_unverified(deny_log, clock)
            for item in found:
                events.emit(
                    ResourceUnverified(
                        type=item.type,
                        logical_id=item.logical_id,
                        step=item.step,
                        why=item.why,
                        stack=item.stack,
                    )
                )
            outcome = unverified.with_unverified(outcome, found, options.strict)
            write_json_atomic(files.summary, outcome.to_summary())
        final_policy = loop.policy
    except KeyboardInterrupt as exc:
        ledger.close()
        _write_stopped(files, signals.exit_code(exc), "interrupted")
        raise
    except SandboxStopped as exc:
        events.emit(
            RunEnd(
                ok=False, exit_code=exc.exit_code, attempts_total=0, reason=exc.headline, actions=[]
            )
        )
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


def _planner(strategy: str, executor: Executor, operator: Operator) -> Predictor | None:
    """`--strategy predict`'s hooks: its package runs use the steps' own environment."""
    if strategy != "predict" or not isinstance(executor, StepExecutor):
        return None

    def run_like(step: Step) -> StepResult:
        return run_step(step, executor.environment(step), None)

    cfn = operator.client("cloudformation")
    templates = reader(cfn, existing_stacks(cfn))  # a setup step's stacks are not the steps'
    predictor = Predictor(
        run_like, operator.account_id, operator.region, templates=templates, acting=acting(cfn)
    )
    recover = executor.recover
    if recover is not None:

        def observe_then_recover(step: Step, since: float) -> list[Recovery]:
            predictor.observe(step, since)  # the templates, before the cleanup deletes some
            return recover(step, since)

        executor.recover = observe_then_recover
    return predictor


def _saved_role_policies(
    config: Config, files: OutputFiles, operator: Operator
) -> dict[str, PolicyDocument]:
    """A resumed run's managed-role policies, as the interrupted run saved them."""
    found = {}
    for name in config.principal.also_manage:
        saved = files.role_policy(name)
        if saved.is_file():
            found[name] = load_start_policy(saved, operator.account_id, operator.region)
    return found


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


def _settle_seconds(config: Config, operator: Operator) -> float:
    settle = config.sandbox.propagation_seconds
    if settle is None:
        settle = 0.0 if operator.is_local else 10.0
    return settle


@dataclass(frozen=True)
class _Wiring:
    """Builds what the loop needs in one account: an executor and a grantor per principal."""

    config: Config
    rules: GrantRules
    events: Events
    console: Console

    @contextlib.contextmanager
    def account(
        self,
        operator: Operator,
        policy: PolicyDocument,
        role_policies: Mapping[str, PolicyDocument],
        files: OutputFiles,
        deny_log: Path | None,
        extra_env: Mapping[str, str] | None = None,
        soft: bool = False,
    ) -> Iterator[Account]:
        config = self.config
        deployer = Deployer(operator, config.principal)
        deployer.ensure()
        run_setup(config.setup, operator, self.events)
        roles = managed_roles(operator, config)
        names = StackNames(operator.client("cloudformation"))  # generated names seen
        harvest: Harvest = Harvester(
            operator,
            config.harvest.stacks,
            _account_log(
                operator,
                [deployer, *roles],
                deny_log,
                config.harvest.cloudtrail_wait_seconds,
                self.events,
            ),
            names=names,
        )
        rules = replace(self.rules, generated=names.snapshot)
        if soft and deny_log is not None:
            harvest = _with_soft_denials(
                harvest, deny_log.with_name(SOFT_DENIALS), [deployer, *roles]
            )
        executor = StepExecutor(
            deployer.credentials,
            operator.region,
            operator.endpoint,
            os.environ,
            self.events,
            harvest=harvest,
            recover=stack_recoverer(operator, config.harvest.stacks),
            on_line=self.console.line,
            extra_env=extra_env,
            hooks=[
                RehearsalSwitch(operator.endpoint if operator.is_local else None),
                DeleteRetry(operator.client("cloudformation"), self.events),
            ],
        )
        grantor = Grantor(deployer, policy, files.policy, rules, self.events)
        role_grantors = {
            role.config.name: Grantor(
                role,
                role_policies.get(role.config.name, PolicyDocument()),
                files.role_policy(role.config.name),
                rules,
                self.events,
                is_deployer=False,
            )
            for role in roles
        }

        def unused() -> tuple[str, ...] | None:
            if deny_log is None:
                return None
            access = deny_log.with_name("sandbox-access.jsonl")
            used = [(r["principal"], r["action"]) for r in read_access_log(access)]
            return unused_actions(grantor.policy, used, deployer)

        try:
            yield Account(executor, grantor, role_grantors, unused, self.events, names.snapshot)
        finally:
            deployer.close()


def _with_soft_denials(harvest: Harvest, soft_log: Path, principals: list[Deployer]) -> Harvest:
    """`harvest`, plus what the soft-mode sandbox recorded as denied (and allowed) meanwhile."""
    read = sandbox_deny_log(soft_log, lambda arn: any(p.matches_exactly(arn) for p in principals))

    def with_soft(step: Step, result: StepResult, started: float) -> list[Denial]:
        soft = [d.with_source(SOFT_SOURCE) for d in read(started)]
        return merge(harvest(step, result, started), soft)

    return with_soft


def _verifier(
    config: Config,
    options: RunOptions,
    wiring: _Wiring,
    settings: LoopSettings,
    files: OutputFiles,
) -> tuple[VerifyPass | None, str]:
    """The verify pass of this run, or why there is none (the `verification` text)."""
    why_not = unverified_reason(config, options.verify)
    if why_not is not None:
        return None, why_not
    local = config.sandbox.kind == "local"

    @contextlib.contextmanager
    def fresh_account(
        label: str,
        policy: PolicyDocument,
        role_policies: Mapping[str, PolicyDocument],
        policy_files: OutputFiles,
    ) -> Iterator[Account]:
        records = files.directory / "verify" / label
        records.mkdir(parents=True, exist_ok=True)
        deny_log = records / "sandbox-denials.jsonl" if local else None
        env = verify_environment(config.verify.env, uuid.uuid4().hex[:8])
        ledger = Ledger(records / "ledger.jsonl", uuid.uuid4().hex[:12])
        replay = replace(wiring, events=Events(ledger))
        try:
            with (
                open_operator(config, deny_log) as operator,
                replay.account(operator, policy, role_policies, policy_files, deny_log, env) as acc,
            ):
                yield acc
        finally:
            ledger.close()

    where = "a fresh sandbox" if local else "the account, under fresh stack names"
    verifier = VerifyPass(
        config.steps,
        settings,
        wiring.events,
        files,
        fresh_account,
        rounds=config.verify.rounds,
        where=where,
        echo=wiring.console,
    )
    return verifier, ""


def unverified_reason(config: Config, verify: bool) -> str | None:
    """Why this run's policy will not be replayed in a fresh account (None: it will be)."""
    if not verify:
        return "skipped (--no-verify)"
    if config.sandbox.kind != "local" and not config.verify.env:
        return (
            "skipped (a real account has no fresh account to replay in: set [verify] env "
            "to give the replay fresh stack names)"
        )
    return None


def verify_environment(env: Mapping[str, str], replay_id: str) -> dict[str, str]:
    """`[verify] env` for one replay: `{run}` becomes the replay's own id."""
    return {key: value.replace("{run}", replay_id) for key, value in env.items()}


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
        run_setup(config.setup, operator, events)
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

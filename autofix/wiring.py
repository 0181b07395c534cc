"""Building one account's parts: the deployer, its executor and grantors, and the hooks of the
strategy (`predict`) and of the verify pass.

`run`, `check` and every verify replay open their accounts through here, so each sees the
same steps run the same way: the same harvest channels, the same stack recovery, the same
step hooks.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autofix.account.principal import Deployer
from autofix.account.session import Operator, open_operator
from autofix.account.stack_names import StackNames
from autofix.account.stacks import Recovery, recover_touched
from autofix.config import Config, Step
from autofix.config.project import deployment_roles_of, service_names_of
from autofix.config.tables import PrincipalConfig
from autofix.console import Console
from autofix.denials.model import Denial, Source
from autofix.harvest.account_log import (
    anyone,
    cloudtrail_denials,
    cloudtrail_log,
    sandbox_deny_log,
)
from autofix.harvest.collect import AccountLog, Harvester, merge
from autofix.harvest.corroborate import NOT_IN_TRAIL, Corroboration
from autofix.harvest.demand_origin import DemandOrigin, from_evidence, sandbox_origins
from autofix.loop import LoopSettings, OutputFiles
from autofix.loop.grantor import Grantor, GrantRules
from autofix.loop.verify import Account, Unused, VerifyPass
from autofix.loop.verify_setup import unverified_reason, verify_environment
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.intent import Namespace
from autofix.policy.usage import unused_actions, unused_patterns
from autofix.predict.ahead import passed_roles, stack_names
from autofix.predict.predictor import Predictor
from autofix.predict.stack_templates import acting, existing_stacks, reader
from autofix.records.events import Wait
from autofix.records.ledger import Events, Ledger
from autofix.sandbox.records import SandboxRecords
from autofix.sandbox.records.access_log import read_access_log
from autofix.step.executor import Harvest, StepExecutor
from autofix.step.hooks.delete_retry import DeleteRetry
from autofix.step.hooks.rehearsal_switch import RehearsalSwitch
from autofix.step.runner import StepResult, run_step
from autofix.step.setup import run_setup

__all__ = [
    "Wiring",
    "account_log",
    "corroboration",
    "managed_roles",
    "namespace_of",
    "settle_seconds",
    "unverified_reason",
    "verifier",
    "verify_environment",
]

Observer = Callable[[Step, float], None]
"""Called after a step's attempt, before the operator repairs the stacks it touched."""


def account_log(
    operator: Operator,
    principals: Sequence[Deployer],
    records: SandboxRecords | None,
    wait_seconds: float = 300.0,
    events: Events | None = None,
) -> AccountLog:
    """The account's record of the principals' denials: the sandbox's deny log, or CloudTrail."""

    def matches(arn: str | None) -> bool:
        return any(p.matches_exactly(arn) for p in principals)

    if records is not None:
        return sandbox_deny_log(records.denials, matches)

    def notice(seconds: float, why: str) -> None:
        if events is not None:
            events.emit(Wait(seconds=seconds, why=why))

    return cloudtrail_log(operator.client("cloudtrail"), matches, wait_seconds, notice)


def corroboration(
    records: SandboxRecords | None,
    trust_output: bool,
    trail: Any = None,
    wait_seconds: float = 300.0,
    events: Events | None = None,
) -> Corroboration:
    """How printed denials are checked: against the sandbox's deny log when there is one;
    on a real account against CloudTrail when `trail` (its client) is given
    (`[guard] cloudtrail`), waiting up to `wait_seconds` for its record; else by action."""
    if records is not None:
        return Corroboration(sandbox_deny_log(records.denials, anyone), trust_output)
    if trail is None:
        return Corroboration(None, trust_output)

    def notice(seconds: float, why: str) -> None:
        if events is not None:
            events.emit(Wait(seconds=seconds, why=why))

    return Corroboration(
        cloudtrail_denials(trail),
        trust_output,
        unseen=NOT_IN_TRAIL,
        patience=wait_seconds,
        poll_seconds=min(30.0, wait_seconds),
        on_wait=notice,
    )


def namespace_of(config: Config, account_id: str) -> Namespace:
    """The deployment's names from its configuration: service names (configured or read
    from serverless.yml), stack names (configured, or named by a step's command line or the
    tool's settings: `--stack-name`, samconfig's `stack_name`), managed roles, the service
    roles a step's command line passes to CloudFormation (`--role-arn`); and `[guard] allow`."""
    names = (
        *(config.policy.service_names or service_names_of(config.steps)),
        *config.harvest.stacks,
        *(stack for step in config.steps for stack in (*step.stacks, *stack_names(step))),
        *config.principal.also_manage,
        *(role.rsplit("/", 1)[-1] for role in _passed_roles(config.steps)),
    )
    return Namespace.of(account_id, names, config.guard.allow)


def _passed_roles(steps: Sequence[Step]) -> tuple[str, ...]:
    """The service roles the steps pass to CloudFormation: on a command line
    (`--role-arn`, samconfig's `role_arn`) or as a Serverless deployment role."""
    return (*(r for step in steps for r in passed_roles(step)), *deployment_roles_of(steps))


def setup_stacks(operator: Operator, rules: GrantRules) -> GrantRules:
    """On the embedded sandbox, the stacks the operator's `[[setup]]` made (every stack
    there before the steps: a CDK bootstrap's) belong to the deployment too."""
    if rules.namespace is None or not operator.is_local:
        return rules
    found = StackNames(operator.client("cloudformation")).refresh(datetime.fromtimestamp(0, UTC))
    stacks = [*(n.stack for n in found.names), *(u.stack for u in found.unnamed)]
    owned = [*found.explicit, *(n.name for n in found.names)]
    return replace(rules, namespace=rules.namespace.widened(stacks, owned))


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
    operator: Operator, named: tuple[str, ...] = (), observers: Sequence[Observer] = ()
) -> Callable[[Step, float], list[Recovery]]:
    """Between attempts, the operator repairs the stacks the attempt touched (after each
    observer has seen them as the attempt left them)."""
    cfn = operator.client("cloudformation")

    def recover_step(step: Step, since: float) -> list[Recovery]:
        for observe in observers:
            observe(step, since)
        start = datetime.fromtimestamp(since, tz=UTC)
        return recover_touched(cfn, start, tuple(dict.fromkeys((*named, *step.stacks))))

    return recover_step


def settle_seconds(config: Config, operator: Operator) -> float:
    """How long a grant takes to be in force: configured, or none on the embedded sandbox."""
    settle = config.sandbox.propagation_seconds
    if settle is None:
        settle = 0.0 if operator.is_local else 10.0
    return settle


def _with_soft_denials(harvest: Harvest, soft_log: Path, principals: list[Deployer]) -> Harvest:
    """`harvest`, plus what the soft-mode sandbox recorded as denied (and allowed) meanwhile."""
    read = sandbox_deny_log(soft_log, lambda arn: any(p.matches_exactly(arn) for p in principals))

    def with_soft(step: Step, result: StepResult, started: float) -> list[Denial]:
        soft = [d.with_source(Source.SOFT_DENY_LOG) for d in read(started)]
        return merge(harvest(step, result, started), soft)

    return with_soft


def _predictor(executor: StepExecutor, operator: Operator) -> Predictor:
    """`--strategy predict`'s hooks: its package runs use the steps' own environment."""

    def run_like(step: Step) -> StepResult:
        return run_step(step, executor.environment(step), None)

    cfn = operator.client("cloudformation")
    templates = reader(cfn, existing_stacks(cfn))  # a setup step's stacks are not the steps'
    return Predictor(
        run_like, operator.account_id, operator.region, templates=templates, acting=acting(cfn)
    )


@dataclass(frozen=True)
class Wiring:
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
        records: SandboxRecords | None,
        extra_env: Mapping[str, str] | None = None,
        soft: bool = False,
        predict: bool = False,
    ) -> Iterator[Account]:
        """The account's parts; `soft` reads the soft-mode record too, `predict` adds a
        planner (it sees each attempt's stacks before the operator repairs them)."""
        config = self.config
        deployer = Deployer(operator, config.principal)
        deployer.ensure()
        run_setup(config.setup, operator, self.events)
        roles = managed_roles(operator, config)
        names = StackNames(operator.client("cloudformation"))  # generated names seen
        harvest: Harvest = Harvester(
            operator,
            config.harvest.stacks,
            account_log(
                operator,
                [deployer, *roles],
                records,
                config.harvest.cloudtrail_wait_seconds,
                self.events,
            ),
            names=names,
            corroborate=corroboration(
                records,
                self.rules.trust_output,
                operator.client("cloudtrail") if config.guard.cloudtrail else None,
                config.harvest.cloudtrail_wait_seconds,
                self.events,
            ),
        )
        rules = replace(setup_stacks(operator, self.rules), generated=names.snapshot)
        if soft and records is not None:
            harvest = _with_soft_denials(harvest, records.soft_denials, [deployer, *roles])
        observers: list[Observer] = []
        executor = StepExecutor(
            deployer.credentials,
            operator.region,
            operator.endpoint,
            os.environ,
            self.events,
            harvest=harvest,
            recover=stack_recoverer(operator, config.harvest.stacks, observers),
            on_line=self.console.line,
            extra_env=extra_env,
            hooks=[
                RehearsalSwitch(operator.endpoint if operator.is_local else None),
                DeleteRetry(operator.client("cloudformation"), self.events),
            ],
        )
        planner = _predictor(executor, operator) if predict else None
        if planner is not None:
            observers.append(planner.observe)  # the templates, before the cleanup deletes some
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
            if records is None:
                return None
            used = [(r["principal"], r["action"]) for r in read_access_log(records.access)]
            return unused_actions(grantor.policy, used, deployer.matches_exactly)

        def unused_grants() -> tuple[Grant, ...]:
            if records is None:
                return ()
            used = [
                (r["principal"], r["action"], r["resource"])
                for r in read_access_log(records.access)
            ]
            return unused_patterns(grantor.policy, used, deployer.matches_exactly)

        def roles_unused() -> dict[str, Unused]:
            """Per managed role, its grants no call of that role used (the deployer's
            calls, and other roles', do not count for it)."""
            if records is None:
                return {}
            log = list(read_access_log(records.access))
            actions = [(r["principal"], r["action"]) for r in log]
            calls = [(r["principal"], r["action"], r["resource"]) for r in log]
            return {
                name: Unused(
                    unused_actions(g.policy, actions, g.principal.matches_exactly),
                    unused_patterns(g.policy, calls, g.principal.matches_exactly),
                )
                for name, g in role_grantors.items()
            }

        try:
            yield Account(
                executor,
                grantor,
                role_grantors,
                unused,
                self.events,
                names.snapshot,
                planner=planner,
                origins=sandbox_origins(records.denials) if records is not None else _evidence,
                unused_patterns=unused_grants,
                roles_unused=roles_unused,
            )
        finally:
            deployer.close()


def _evidence(denial: Denial, since: float) -> DemandOrigin | None:
    """On a real account: what a stack event's failure names."""
    return from_evidence(denial)


def verifier(
    wiring: Wiring, verify: bool, settings: LoopSettings, files: OutputFiles
) -> tuple[VerifyPass | None, str]:
    """The verify pass of this run, or why there is none (the `verification` text)."""
    config = wiring.config
    why_not = unverified_reason(config, verify)
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
        directory = files.directory / "verify" / label
        directory.mkdir(parents=True, exist_ok=True)
        records = SandboxRecords(directory) if local else None
        env = verify_environment(config.verify.env, uuid.uuid4().hex[:8])
        ledger = Ledger(directory / "ledger.jsonl", uuid.uuid4().hex[:12])
        replay = replace(wiring, events=Events(ledger))
        try:
            with (
                open_operator(config, records) as operator,
                replay.account(operator, policy, role_policies, policy_files, records, env) as acc,
            ):
                yield acc
        finally:
            ledger.close()

    where = "a fresh sandbox" if local else "the account, under fresh stack names"
    verify_pass = VerifyPass(
        config.steps,
        settings,
        wiring.events,
        files,
        fresh_account,
        rounds=config.verify.rounds,
        where=where,
        echo=wiring.console,
    )
    return verify_pass, ""

"""`autofix run`: carry the configured steps from the start policy to success (or say why not).

The output directory is claimed first (writable, one run at a time); then the account is
opened, the repair loop runs every step, the verify pass replays the policy in a fresh
account, and the outputs (policy, ledger, summary) are written.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from autofix.account.session import Operator, open_operator
from autofix.config import Config
from autofix.config.boundary import missing_settings
from autofix.config.project import service_names_of, stages_of
from autofix.console import Console
from autofix.errors import ConfigError
from autofix.loop import LoopSettings, OutputFiles, RepairLoop
from autofix.loop.grantor import GrantRules
from autofix.policy.document import PolicyDocument
from autofix.policy.render import Style, portable
from autofix.policy.scope import ScopeContext
from autofix.policy.start import load_start_policy, scope_mode
from autofix.records import coverage, lock, resume
from autofix.records.demand_marks import DemandMarks
from autofix.records.events import DISCOVER, OBSERVE, ResourceUnverified, RunEnd
from autofix.records.files import write_atomic, write_json_atomic
from autofix.records.ledger import Events, Ledger
from autofix.records.outcome import RunOutcome
from autofix.sandbox.records import SandboxRecords
from autofix.sandbox.server import SandboxStopped
from autofix.step import signals
from autofix.wiring import Wiring, namespace_of, settle_seconds, verifier

__all__ = ["RunOptions", "run", "with_out_dir"]


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
    strict_bounds: bool = False
    """Exit 1 when a resource was checked only against a schema's whole list (or not at all)."""
    trust_output: bool = False
    """Grant denials read from a step's output even when the account never recorded them."""
    force: bool = False
    """Write into an --out that is not marked as autofix's (its files may be replaced)."""


def with_out_dir(options: RunOptions, config: Config, out: Path | None) -> RunOptions:
    """`--out`, or `.autofix/` beside the config file."""
    return replace(options, out_dir=out or (config.base_dir / ".autofix"))


def run(config: Config, options: RunOptions, console: Console) -> RunOutcome:
    """Carry the configured steps from the start policy to success (or say why not).

    With `options.resume` the run continues the directory's last run: its saved policy,
    its ledger (appended to) and its attempt count.
    """
    if options.strategy == "observe" and config.sandbox.kind != "local":
        raise ConfigError('--strategy observe needs the embedded sandbox (sandbox.kind = "local")')
    start_path = options.start_policy or config.policy.start
    # validated before anything starts; filled in again with the real account below
    load_start_policy(start_path, config.sandbox.account_id, config.sandbox.region)
    files = OutputFiles(options.out_dir)
    with lock.claim(options.out_dir, options.force):
        prior = resume.read_prior(files.ledger) if options.resume else None
        if options.resume and prior is None:
            raise ConfigError(f"--resume {options.out_dir}: its ledger records no run to resume")
        if prior is not None and prior.ok:
            raise ConfigError(f"--resume {options.out_dir}: that run succeeded; nothing to resume")
        if not options.resume:
            resume.refuse_unfinished(options.out_dir, files.ledger)
        if options.invocation is not None and not options.resume:
            resume.save_invocation(options.out_dir, options.invocation)
        return _Run(config, options, console, files, start_path, prior).carry_out()


@dataclass
class _Run:
    """One run in its claimed output directory."""

    config: Config
    options: RunOptions
    console: Console
    files: OutputFiles
    start_path: Path | None
    prior: resume.PriorRun | None
    started: float = 0.0
    """When this run (or this part of a resumed one) started, epoch seconds."""

    def carry_out(self) -> RunOutcome:
        config, options, files, prior = self.config, self.options, self.files, self.prior
        run_id = prior.run_id if prior else uuid.uuid4().hex[:12]
        ledger = Ledger(files.ledger, run_id, append=prior is not None)
        events = Events(ledger, self.console)
        clock = coverage.StepClock()
        self.started = time.time()
        events.add(clock)
        records = SandboxRecords(options.out_dir) if config.sandbox.kind == "local" else None
        if records is not None:
            events.add(DemandMarks(records.denials, events))
        try:
            with open_operator(config, records, soft=options.strategy == "observe") as operator:
                outcome, policy = self._discover(operator, events, records)
            if records is not None:
                outcome = self._with_coverage(outcome, events, records, clock)
        except KeyboardInterrupt as exc:
            ledger.close()
            _write_stopped(files, signals.exit_code(exc), "interrupted")
            raise
        except SandboxStopped as exc:
            events.emit(
                RunEnd(
                    ok=False,
                    exit_code=exc.exit_code,
                    attempts_total=0,
                    reason=exc.headline,
                    actions=[],
                )
            )
            ledger.close()
            _write_stopped(files, exc.exit_code, exc.headline)
            raise
        finally:
            ledger.close()
        return self._finish(outcome, policy, operator)

    def _start_policy(self, operator: Operator) -> PolicyDocument:
        if self.prior is None:
            return load_start_policy(self.start_path, operator.account_id, operator.region)
        self.console.say(
            f"resuming the run in {self.options.out_dir} after {self.prior.attempts_total} "
            f"attempts, from its saved policy",
            bold=True,
        )
        return load_start_policy(self.files.policy, operator.account_id, operator.region)

    def _discover(
        self, operator: Operator, events: Events, records: SandboxRecords | None
    ) -> tuple[RunOutcome, PolicyDocument]:
        """The repair loop in the opened account, then the verify pass."""
        config, options, prior = self.config, self.options, self.prior
        policy = self._start_policy(operator)
        kind = "embedded sandbox" if config.sandbox.kind == "local" else "account"
        self.console.say(
            f"autofix · {kind} {operator.account_id} ({operator.region}) · "
            f"deployer {config.principal.type} {config.principal.name} · "
            f"{len(policy.actions)} actions to start",
            bold=True,
        )
        for line in missing_settings(config):
            self.console.say(f"! {line}")
        settings = self._settings(operator)
        wiring = Wiring(config, self._rules(operator), events, self.console)
        verify_pass, unverified_why = verifier(wiring, options.verify, settings, self.files)
        role_policies = self._saved_role_policies(operator) if prior else {}
        observe = options.strategy == "observe"
        steps = config.steps
        if prior is not None:
            keep = resume.to_resume([s.name for s in steps], prior, config.sandbox.kind == "local")
            steps = tuple(s for s in steps if s.name in keep)
        with wiring.account(
            operator,
            policy,
            role_policies,
            self.files,
            records,
            soft=observe,
            predict=options.strategy == "predict",
        ) as account:
            loop = RepairLoop(
                steps,
                account.executor,
                account.deployer,
                settings,
                events,
                self.files,
                roles=account.roles,
                verifier=verify_pass,
                unverified=unverified_why,
                phase=OBSERVE if observe else DISCOVER,
                strategy=options.strategy,
                generated=account.generated,
                planner=account.planner,
                origins=account.origins,
            )
            if prior is not None:
                loop.attempts_total = prior.attempts_total
            return loop.run(), loop.policy

    def _rules(self, operator: Operator) -> GrantRules:
        config, options = self.config, self.options
        return GrantRules(
            ScopeContext(
                account_id=operator.account_id,
                region=operator.region,
                mode=scope_mode(options.scope or config.policy.scope),
                service_names=config.policy.service_names or service_names_of(config.steps),
                stages=config.policy.stages or stages_of(config.steps),
                permissions_boundary=config.policy.permissions_boundary,
            ),
            allow_self_edit=options.allow_self_edit or config.policy.allow_self_edit,
            settle_seconds=settle_seconds(config, operator),
            trust_output=options.trust_output or config.guard.trust_output,
            namespace=namespace_of(config, operator.account_id),
        )

    def _settings(self, operator: Operator) -> LoopSettings:
        config = self.config
        simulated = config.sandbox.simulate_propagation_seconds
        return LoopSettings(
            max_attempts=self.options.max_attempts or config.loop.max_attempts,
            max_seconds=config.loop.max_minutes * 60,
            propagation_retries=3 if not operator.is_local or simulated else 0,
            account_id=operator.account_id,
            region=operator.region,
        )

    def _saved_role_policies(self, operator: Operator) -> dict[str, PolicyDocument]:
        """A resumed run's managed-role policies, as the interrupted run saved them."""
        found = {}
        for name in self.config.principal.also_manage:
            saved = self.files.role_policy(name)
            if saved.is_file():
                found[name] = load_start_policy(saved, operator.account_id, operator.region)
        return found

    def _with_coverage(
        self,
        outcome: RunOutcome,
        events: Events,
        records: SandboxRecords,
        clock: coverage.StepClock,
    ) -> RunOutcome:
        """How the sandbox checked each resource, in the outcome; those it could not check
        in the ledger too."""
        found = coverage.read_coverage(records.directory, clock)
        replayed = coverage.read_verify_coverage(self.files.directory / "verify", self.started)
        for item in coverage.unverified_of(found):
            events.emit(ResourceUnverified(**asdict(item)))  # the event carries the record
        strict = coverage.Strictness(self.options.strict, self.options.strict_bounds)
        outcome = coverage.with_coverage(outcome, found, replayed, strict)
        write_json_atomic(self.files.summary, outcome.to_summary())
        return outcome

    def _finish(
        self, outcome: RunOutcome, policy: PolicyDocument, operator: Operator
    ) -> RunOutcome:
        """A resumed run's outcome merged, the portable policy written, the summary shown."""
        files = self.files
        if self.prior is not None:
            outcome = resume.merged(self.prior, outcome)
            write_json_atomic(files.summary, outcome.to_summary())
        shown = {"policy": str(files.policy), "ledger": str(files.ledger)}
        shown["summary"] = str(files.summary)
        if self.options.portable is not None:
            path = files.directory / "policy.portable.json"
            doc = portable(policy, operator.account_id, operator.region, self.options.portable)
            write_atomic(path, doc.dumps())
            shown["portable"] = str(path)
        self.console.summary(outcome, shown)
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

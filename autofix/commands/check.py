"""`autofix check`: replay a saved policy after an upgrade, never widen it, and name what is
newly missing."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from autofix.account.principal import Deployer
from autofix.account.session import open_operator
from autofix.config import Config
from autofix.console import Console
from autofix.loop.check import CheckOutcome, check_policy
from autofix.policy.start import load_start_policy, scope_mode
from autofix.policy.usage import unused_actions
from autofix.records import lock
from autofix.records.files import write_atomic
from autofix.records.ledger import Events, Ledger
from autofix.report.github import github_annotations
from autofix.sandbox.records import SandboxRecords
from autofix.sandbox.records.access_log import read_access_log
from autofix.step.setup import run_setup
from autofix.wiring import account_log, corroboration

__all__ = ["CheckOptions", "check", "check_command"]


@dataclass(frozen=True)
class CheckOptions:
    """What `autofix check` was asked, beside the config."""

    policy: Path
    """The saved policy to replay, exactly as it is."""
    out_dir: Path
    write_patch: Path | None = None
    """Where to write a policy that adds just the missing actions."""
    as_json: bool = False
    force: bool = False
    """Write into an --out that is not marked as autofix's (its files may be replaced)."""


def check(config: Config, options: CheckOptions, console: Console) -> CheckOutcome:
    """Replay the saved policy against the steps; never widen it."""
    load_start_policy(options.policy, config.sandbox.account_id, config.sandbox.region)
    with lock.claim(options.out_dir, options.force):  # its records share a run's directory
        ledger = Ledger(options.out_dir / "check-ledger.jsonl", uuid.uuid4().hex[:12])
        try:
            return _replay(config, options, Events(ledger, console), console)
        finally:
            ledger.close()


def _replay(
    config: Config, options: CheckOptions, events: Events, console: Console
) -> CheckOutcome:
    """Run the steps once under exactly the saved policy, in a fresh sandbox.

    On the embedded sandbox, `unused` names the granted actions nobody exercised.
    """
    records = SandboxRecords(options.out_dir) if config.sandbox.kind == "local" else None
    with open_operator(config, records) as operator:
        run_setup(config.setup, operator, events)
        policy = load_start_policy(options.policy, operator.account_id, operator.region)
        console.say(
            f"autofix check · {options.policy} ({len(policy.actions)} actions) · "
            f"account {operator.account_id} ({operator.region})",
            bold=True,
        )
        deployer = Deployer(operator, config.principal)
        outcome = check_policy(
            config,
            operator,
            policy,
            events,
            scope=scope_mode(config.policy.scope),
            account_log=account_log(
                operator, [deployer], records, config.harvest.cloudtrail_wait_seconds, events
            ),
            corroborate=corroboration(
                records,
                config.guard.trust_output,
                operator.client("cloudtrail") if config.guard.cloudtrail else None,
                config.harvest.cloudtrail_wait_seconds,
                events,
            ),
        )
        if records is not None and outcome.ok:
            used = [(r["principal"], r["action"]) for r in read_access_log(records.access)]
            outcome = replace(
                outcome, unused=unused_actions(policy, used, deployer.matches_exactly)
            )
    return outcome


def check_command(config: Config, options: CheckOptions, echo: Callable[..., None]) -> int:
    """`autofix check` as the command line runs it: the replay, the patch, the summary, the
    JSON on stdout and, on GitHub Actions, annotations on stderr. Returns the exit code."""
    console = Console()
    outcome = check(config, options, console)
    patch = options.write_patch if outcome.patch.grants else None
    if patch is not None:
        write_atomic(patch, outcome.patch.dumps())
    console.check_summary(outcome, patch)
    if options.as_json:
        echo(json.dumps(outcome.to_json(), indent=2))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        # on stderr, so that --json on stdout stays parseable (the runner reads both)
        for line in github_annotations(outcome, config.source, os.environ.get("GITHUB_WORKSPACE")):
            echo(line, err=True)
    return outcome.exit_code

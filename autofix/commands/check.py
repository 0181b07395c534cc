"""`autofix check`: replay a saved policy after an upgrade, never widen it, and name what is
newly missing."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from autofix.account.principal import Deployer
from autofix.account.session import open_operator
from autofix.config import Config
from autofix.console import Console
from autofix.loop.check import CheckOutcome, check_policy
from autofix.policy.document import PolicyDocument
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

__all__ = ["check", "check_command", "replay"]


def check(
    config: Config,
    policy_path: Path,
    out_dir: Path,
    console: Console,
    scope: str | None = None,
    force: bool = False,
) -> CheckOutcome:
    """Replay the saved policy at `policy_path` against the steps; never widen it."""
    load_start_policy(policy_path, config.sandbox.account_id, config.sandbox.region)
    with lock.claim(out_dir, force):  # its sandbox records share the directory with a run's
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
    records = SandboxRecords(out_dir) if config.sandbox.kind == "local" else None
    with open_operator(config, records) as operator:
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
        deployer = Deployer(operator, config.principal)
        outcome = check_policy(
            config,
            operator,
            policy,
            events,
            scope=scope_mode(scope or config.policy.scope),
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


def check_command(
    config: Config,
    policy_path: Path,
    out_dir: Path,
    write_patch: Path | None,
    as_json: bool,
    echo: Callable[..., None],
    force: bool = False,
) -> int:
    """`autofix check` as the command line runs it: the replay, the patch, the summary, the
    JSON on stdout and, on GitHub Actions, annotations on stderr. Returns the exit code."""
    console = Console()
    outcome = check(config, policy_path, out_dir, console, force=force)
    if write_patch is not None and outcome.patch.grants:
        write_atomic(write_patch, outcome.patch.dumps())
    console.check_summary(outcome, write_patch if outcome.patch.grants else None)
    if as_json:
        echo(json.dumps(outcome.to_json(), indent=2))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        # on stderr, so that --json on stdout stays parseable (the runner reads both)
        for line in github_annotations(outcome, config.source, os.environ.get("GITHUB_WORKSPACE")):
            echo(line, err=True)
    return outcome.exit_code

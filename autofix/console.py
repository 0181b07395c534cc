"""Progress for a person: which step and attempt is running, what was just granted."""

from __future__ import annotations

from typing import Any, TextIO

import click

from autofix import untrusted
from autofix.account.stacks import NOT_RECOVERED
from autofix.loop.check import CheckOutcome
from autofix.records.events import (
    DISCOVER,
    AttemptStart,
    CommandExit,
    DenialFound,
    GrantAdded,
    GrantGeneralised,
    GrantPruned,
    LedgerEvent,
    PhaseEvent,
    PruneReverted,
    RunStart,
    SetupRan,
    StackRecovered,
    StepFailedEvent,
    StepOk,
    StepStart,
    VerifyFailed,
    VerifyOk,
    VerifyRoundEnd,
    VerifyStart,
    Wait,
)
from autofix.records.outcome import RunOutcome
from autofix.report import tiers


class Console:
    """An event sink that prints the events a person cares about, one short line each."""

    def __init__(self, stream: TextIO | None = None, verbose: bool = False) -> None:
        self.stream = stream
        self.verbose = verbose
        self._color = stream.isatty() if stream is not None and hasattr(stream, "isatty") else False
        self._deployer: str | None = None

    def say(self, text: str, **style: Any) -> None:
        """Print one line; its text is cleaned, the only escapes are the console's colours."""
        click.secho(
            untrusted.clean(text),
            file=self.stream,
            err=self.stream is None,
            color=self._color,
            **style,
        )

    def line(self, stream_name: str, line: str) -> None:
        """Live output of the step (shown with --verbose)."""
        if self.verbose:
            self.say(f"    │ {line}", dim=True)

    def __call__(self, event: LedgerEvent) -> None:
        """Print what a person cares about; the verify pass's lines are marked as such."""
        tag = (
            f"{event.phase} · " if isinstance(event, PhaseEvent) and event.phase != DISCOVER else ""
        )
        match event:
            case SetupRan():
                self.say(
                    f"setup {event.step} as the operator ({event.principal}): {event.command} "
                    f"· exit {event.exit_code} after {event.seconds:.1f}s",
                    dim=True,
                )
            case StepStart():
                self.say(
                    f"{tag}▶ step {event.step} ({event.index}/{event.of}): {event.command}",
                    bold=True,
                )
            case AttemptStart():
                self.say(f"  {tag}attempt {event.attempt} …")
            case CommandExit() if event.exit_code != 0:
                self.say(f"    exit {event.exit_code} after {event.seconds:.1f}s", fg="yellow")
            case DenialFound():
                what = event.action or "(unnamed action)"
                where = f" on {event.resource}" if event.resource else ""
                note = "" if event.fixable else f" [{event.deny}, not fixable by a grant]"
                if event.not_granted:
                    note = f" [{event.not_granted}]"
                self.say(
                    f"    denied {what}{where} ({event.source}){note}",
                    fg="red" if not event.fixable else None,
                )
            case StackRecovered() if event.action == NOT_RECOVERED:
                self.say(f"    {tag}stack {event.stack} not recovered: {event.detail}", fg="yellow")
            case RunStart():
                self._deployer = event.deployer
                if event.trust_output:
                    self.say(
                        "  --trust-output: denials read from step output are granted without "
                        "the account's record of them",
                        fg="yellow",
                    )
            case GrantAdded():
                to = ""  # a managed role's grant (principal.also_manage) says whose it is
                if event.principal and self._deployer and event.principal != self._deployer:
                    to = f" · to {event.principal.rsplit('/', 1)[-1]}"
                when = _condition_words(event.condition)
                self.say(
                    f"    + {tag}granted {event.action} on {event.resource}{when}{to}", fg="green"
                )
            case StepOk():
                n, a = event.attempts, len(event.actions)
                self.say(
                    f"{tag}✔ {event.step} succeeded after {n} attempt{'s' if n != 1 else ''}"
                    f" ({a} new action{'s' if a != 1 else ''})",
                    fg="green",
                    bold=True,
                )
            case StepFailedEvent():
                self.say(f"{tag}✘ {event.step} failed: {event.reason}", fg="red", bold=True)
                if event.tail:
                    self.say("  last lines of its output:", dim=True)
                    for line in event.tail.splitlines():
                        self.say(f"    │ {line}", dim=True)
            case Wait() if event.seconds >= 1:
                self.say(f"    waiting {event.seconds:.0f}s: {event.why}", dim=True)
            case VerifyStart():
                again = "" if event.round == 1 else f" again (replay {event.round})"
                self.say(
                    f"verifying the policy{again} in {event.where or 'a fresh account'} …",
                    bold=True,
                )
            case VerifyRoundEnd() if event.granted:
                self.say(
                    f"  the replay needed {len(event.granted)} more grant(s): "
                    + ", ".join(event.granted),
                    fg="yellow",
                )
            case GrantGeneralised():
                self.say(
                    f"    ~ {event.action} on {event.resource} is now on {event.now} "
                    "(generated name)",
                    fg="yellow",
                )
            case GrantPruned():
                on = f" on {event.resource}" if event.resource else ""
                self.say(f"  pruned {event.action}{on}: {event.why}", fg="yellow")
            case PruneReverted():
                self.say(f"  kept {', '.join(event.actions)}: {event.reason}", fg="yellow")
            case VerifyOk() if not event.pruned:
                self.say("  the policy replayed cleanly; every granted action was used", fg="green")
            case VerifyOk():
                self.say("  the pruned policy replayed cleanly", fg="green")
            case VerifyFailed():
                self.say(f"  verification {event.reason}", fg="red")
            case _:
                pass

    def summary(self, outcome: RunOutcome, files: dict[str, str]) -> None:
        """The per-step table of actions, and where the results are."""
        self.say("")
        width = max([len(s.name) for s in outcome.steps] + [4])
        self.say(
            f"{'step':<{width}}  {'ok':<3} {'attempts':>8}  actions first required here", bold=True
        )
        for s in outcome.steps:
            mark = "yes" if s.ok else "no"
            first, *rest = list(s.actions) or ["-"]
            self.say(f"{s.name:<{width}}  {mark:<3} {s.attempts:>8}  {first}")
            for action in rest:
                self.say(f"{'':<{width}}  {'':<3} {'':>8}  {action}")
        self.say("")
        self._tiers(outcome)
        self._flags(outcome)
        if not outcome.ok:
            verdict = f"stopped: {outcome.reason}"
        elif outcome.verified:
            verdict = "every step succeeded, and the policy replayed cleanly in a fresh account"
        else:
            verdict = f"every step succeeded (unverified: {outcome.verification})"
        replays = f" (+{outcome.verify_replays} in replays)" if outcome.verify_replays else ""
        self.say(
            f"{verdict} · {outcome.attempts_total} attempts{replays} in {outcome.seconds:.1f}s",
            fg="green" if outcome.ok else "red",
            bold=True,
        )
        for label, path in files.items():
            self.say(f"  {label:<8} {path}")

    def _flags(self, outcome: RunOutcome) -> None:
        """The risky grants the policy holds (privilege escalation, data access): review them."""
        if not outcome.flags:
            return
        self.say(f"flagged grants, to review before use ({len(outcome.flags)}):", bold=True)
        for flag in outcome.flags:
            self.say(f"  ! {flag['action']} on {flag['resource']}: {flag['risk']}", fg="yellow")
        self.say("")

    def _tiers(self, outcome: RunOutcome) -> None:
        """How the sandbox checked the resources it provisioned: one line per type."""
        lines = tiers.per_type([*outcome.resources, *outcome.verify_resources])
        if not lines and outcome.unverified:  # an outcome without coverage records
            lines = tiers.per_type(tiers.as_resources(outcome.unverified))
        if not lines:
            return
        self.say(
            "resources the sandbox provisioned, by how it checked their permissions:", bold=True
        )
        colour = {"schema-bound": "yellow", "unverified": "yellow"}
        for line in lines:
            self.say(f"  {tiers.console_line(line)}", fg=colour.get(line.tier))
        weak = {t.tier for t in lines} - {"checked"}
        if weak:
            flags = "`run --strict` fails on unverified, `--strict-bounds` on schema-bound too"
            self.say(f"  (their permissions may be missing or too wide; {flags})", dim=True)
        self.say("")

    def check_summary(self, outcome: CheckOutcome, patch: object | None) -> None:
        """Per step: ok, or the actions the saved policy is missing (and the proof of each).

        A step that succeeded while printing a denial (a warning) lists it too: the
        patch grants it, as `autofix run` would.
        """
        self.say("")
        for step in outcome.steps:
            if step.ok:
                self.say(f"✔ {step.name}: the saved policy is enough", fg="green")
                for m in (missing.denial for missing in step.missing):
                    on = f" on {m.resource}" if m.resource else ""
                    why = m.not_granted or "a warning only"
                    self.say(f"    but it was denied {m.action}{on} ({m.source}, {why})")
                continue
            # the reason was printed as the step failed; name what is missing, or repeat it
            self.say(
                f"✘ {step.name}:" + ("" if step.missing else f" {step.reason}"),
                fg="red",
                bold=True,
            )
            for m in (missing.denial for missing in step.missing):
                on = f" on {m.resource}" if m.resource else ""
                note = "" if m.fixable else f", {m.deny.value} deny: a grant cannot fix it"
                if m.not_granted:  # printed by the step; the account never denied it
                    note = f", {m.not_granted}"
                self.say(f"    missing {m.action or '(unnamed action)'}{on}  ({m.source}{note})")
                if m.evidence:
                    self.say(f"      │ {m.evidence.splitlines()[0][:160]}", dim=True)
        for name in outcome.not_run:
            self.say(f"· {name}: not run (an earlier step failed)", dim=True)
        if patch is not None:
            self.say(f"patch with just the missing actions: {patch}")
        if outcome.unused:
            self.say(f"granted but never used in this run ({len(outcome.unused)}):", fg="yellow")
            for action in outcome.unused:
                self.say(f"    {action}", fg="yellow")
        verdict = "the saved policy still works" if outcome.ok else "the saved policy is not enough"
        self.say(verdict, fg="green" if outcome.ok else "red", bold=True)


def _condition_words(condition: dict[str, Any] | None) -> str:
    """` if iam:PassedToService = lambda.amazonaws.com` for a grant's `Condition` element."""
    if not condition:
        return ""
    parts = []
    for operator, pairs in condition.items():
        for key, values in pairs.items():
            listed = " or ".join([values] if isinstance(values, str) else values)
            sign = "=" if operator == "StringEquals" else operator
            parts.append(f"{key} {sign} {listed}")
    return " if " + " and ".join(parts)

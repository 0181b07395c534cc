"""Progress for a person: which step and attempt is running, what was just granted."""

from __future__ import annotations

from typing import Any, TextIO

import click

from autofix.check import CheckOutcome
from autofix.outcome import RunOutcome


class Console:
    """An event sink that prints the events a person cares about, one short line each."""

    def __init__(self, stream: TextIO | None = None, verbose: bool = False) -> None:
        self.stream = stream
        self.verbose = verbose
        self._color = stream.isatty() if stream is not None and hasattr(stream, "isatty") else False

    def say(self, text: str, **style: Any) -> None:
        click.secho(text, file=self.stream, err=self.stream is None, color=self._color, **style)

    def line(self, stream_name: str, line: str) -> None:
        """Live output of the step (shown with --verbose)."""
        if self.verbose:
            self.say(f"    │ {line}", dim=True)

    def __call__(self, event: str, fields: dict[str, Any]) -> None:
        handler = getattr(self, f"_on_{event}", None)
        if handler is not None:
            handler(**fields)

    def _on_step_start(self, step: str, index: int, of: int, command: str, **_: Any) -> None:
        self.say(f"▶ step {step} ({index}/{of}): {command}", bold=True)

    def _on_attempt_start(self, step: str, attempt: int, **_: Any) -> None:
        self.say(f"  attempt {attempt} …")

    def _on_command_exit(self, exit_code: int, seconds: float, **_: Any) -> None:
        if exit_code != 0:
            self.say(f"    exit {exit_code} after {seconds:.1f}s", fg="yellow")

    def _on_denial_found(
        self,
        action: str | None,
        resource: str | None,
        source: str,
        fixable: bool,
        deny: str,
        **_: Any,
    ) -> None:
        what = action or "(unnamed action)"
        where = f" on {resource}" if resource else ""
        note = "" if fixable else f" [{deny}, not fixable by a grant]"
        self.say(f"    denied {what}{where} ({source}){note}", fg="red" if not fixable else None)

    def _on_grant_added(self, action: str, resource: str, **_: Any) -> None:
        self.say(f"    + granted {action} on {resource}", fg="green")

    def _on_grant_generalised(self, action: str, resource: str, now: str, **_: Any) -> None:
        self.say(f"    ~ {action} on {resource} is now on {now} (generated name)", fg="yellow")

    def _on_step_ok(self, step: str, attempts: int, actions: list[str], **_: Any) -> None:
        self.say(
            f"✔ {step} succeeded after {attempts} attempt{'s' if attempts != 1 else ''}"
            f" ({len(actions)} new action{'s' if len(actions) != 1 else ''})",
            fg="green",
            bold=True,
        )

    def _on_step_failed(self, step: str, reason: str, tail: str, **_: Any) -> None:
        self.say(f"✘ {step} failed: {reason}", fg="red", bold=True)
        if tail:
            self.say("  last lines of its output:", dim=True)
            for line in tail.splitlines():
                self.say(f"    │ {line}", dim=True)

    def _on_wait(self, seconds: float, why: str, **_: Any) -> None:
        if seconds >= 1:
            self.say(f"    waiting {seconds:.0f}s: {why}", dim=True)

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
        if outcome.unverified:
            self.say(
                f"unverified: {len(outcome.unverified)} resource(s) the sandbox could not check "
                "(their permissions may be missing; `run --strict` fails on them)",
                fg="yellow",
                bold=True,
            )
            for u in outcome.unverified:
                self.say(f"  {u.step}: {u.logical_id} ({u.type}): {u.why}", fg="yellow")
            self.say("")
        verdict = "every step succeeded" if outcome.ok else f"stopped: {outcome.reason}"
        self.say(
            f"{verdict} · {outcome.attempts_total} attempts in {outcome.seconds:.1f}s",
            fg="green" if outcome.ok else "red",
            bold=True,
        )
        for label, path in files.items():
            self.say(f"  {label:<8} {path}")

    def check_summary(self, outcome: CheckOutcome, patch: object | None) -> None:
        """Per step: ok, or the actions the saved policy is missing (and the proof of each).

        A step that succeeded while printing a denial (a warning) lists it too: the
        patch grants it, as `autofix run` would.
        """
        self.say("")
        for step in outcome.steps:
            if step.ok:
                self.say(f"✔ {step.name}: the saved policy is enough", fg="green")
                for m in step.missing:
                    on = f" on {m.resource}" if m.resource else ""
                    self.say(f"    but it was denied {m.action}{on} ({m.source}, a warning only)")
                continue
            # the reason was printed as the step failed; name what is missing, or repeat it
            self.say(
                f"✘ {step.name}:" + ("" if step.missing else f" {step.reason}"),
                fg="red",
                bold=True,
            )
            for m in step.missing:
                on = f" on {m.resource}" if m.resource else ""
                note = "" if m.fixable else f", {m.deny} deny: a grant cannot fix it"
                self.say(f"    missing {m.action or '(unnamed action)'}{on}  ({m.source}{note})")
                if m.excerpt:
                    self.say(f"      │ {m.excerpt.splitlines()[0][:160]}", dim=True)
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

"""Corroboration: a denial a step printed is granted only when the account recorded it.

A deploy step's output is text its code controls: a compromised build script can print
"not authorized to perform: iam:CreateAccessKey on resource: user/admin". On the embedded
sandbox every denial the server issues is in its deny log, so a printed denial is kept
only when the log shows that action denied (on that resource, to that principal) since
the attempt started; any other is marked "printed, not observed: not granted".

On a real account with `[guard] cloudtrail = true`, CloudTrail's AccessDenied records play
the deny log's part; they lag by minutes, so the check waits for them (bounded). Without
it there is no record at hand: denials known only from text are kept, except
privilege-escalation and data-access actions, which are refused with a line saying how to
corroborate or trust them. `--trust-output` keeps every printed denial as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_delay, wait_fixed

from autofix.denials.model import Denial, Source
from autofix.denials.parse import parse_denials
from autofix.policy.conditions import PASS_ROLE, conditioned_by_request
from autofix.policy.escalation import is_data_access, is_escalation

NOT_OBSERVED = "printed, not observed: the sandbox never denied it, so it is not granted"
NOT_IN_TRAIL = "printed, not observed: CloudTrail recorded no such denial, so it is not granted"
TEXT_ONLY = (
    "known only from the step's output, and a privilege-escalation or data-access action: "
    "not granted ([guard] cloudtrail = true checks it against CloudTrail; --trust-output "
    "grants denials read from output)"
)
_TEXT_CHANNELS = frozenset({Source.OUTPUT})
"""Channels a step's code writes. Stack events, decoded messages and the account's log come
from the account itself."""

Observed = Callable[[float], list[Denial]]
"""(attempt start, epoch seconds) -> every denial the sandbox issued since, to anyone."""


@dataclass(frozen=True)
class Corroboration:
    """How printed denials are checked: against `observed` (the sandbox's deny log, or
    CloudTrail), or, with no record at hand, by action.

    `patience` is how long to wait for a record that lags (CloudTrail), asking again every
    `poll_seconds`; `on_wait` is told before the first wait; `unseen` is the line a
    denial the record lacks is marked with.
    """

    observed: Observed | None = None
    trust_output: bool = False
    unseen: str = NOT_OBSERVED
    patience: float = 0.0
    poll_seconds: float = 30.0
    on_wait: Callable[[float, str], None] | None = None

    def __call__(self, found: Sequence[Denial], since: float) -> list[Denial]:
        """`found`, each printed denial that must not be granted marked `not_granted`; an
        iam:PassRole the account reported (a stack event) completed from the record with
        the service the role was passed to, which only the record knows."""
        found = self._passes_completed(found, since)
        printed = [d for d in found if d.source in _TEXT_CHANNELS and d.fixable]
        if self.trust_output or not printed:
            return list(found)
        if self.observed is None:
            return [_text_only(d) if d in printed else d for d in found]
        records = self._records(self.observed, printed, since)
        return [_checked(d, records, self.unseen) if d in printed else d for d in found]

    def _passes_completed(self, found: Sequence[Denial], since: float) -> list[Denial]:
        """`found`, an account-reported iam:PassRole without its service (a denial without
        the request keys its grant is conditioned on) completed from the record at hand
        (the sandbox's deny log: a record that lags is not waited for)."""
        passes = [d for d in found if d.source not in _TEXT_CHANNELS and _incomplete(d)]
        if not passes or self.observed is None or self.patience > 0:
            return list(found)
        records = self.observed(since)
        return [_completed(d, records) if d in passes else d for d in found]

    def _records(self, observed: Observed, printed: Sequence[Denial], since: float) -> list[Denial]:
        """The record, read again while a printed denial is missing from it (bounded)."""

        def missing(records: list[Denial]) -> bool:
            return not all(any(seen(d, r) for r in records) for d in printed)

        if self.patience <= 0:
            return observed(since)

        def notice(state: RetryCallState) -> None:
            if state.attempt_number == 1 and self.on_wait is not None:
                self.on_wait(self.patience, _WAITING)

        polling = Retrying(
            retry=retry_if_result(missing),
            stop=stop_after_delay(self.patience),
            wait=wait_fixed(self.poll_seconds),
            before_sleep=notice,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else [],
        )
        records: list[Denial] = polling(observed, since)
        return records


_WAITING = (
    "the step printed denials: waiting for CloudTrail's record of them, which lags by "
    "minutes, before granting any (bound: harvest.cloudtrail_wait_seconds)"
)


def _incomplete(denial: Denial) -> bool:
    """An iam:PassRole without its service, or a denial of an action whose grant a request
    key conditions (`conditioned_by_request`) without the keys: the record knows them."""
    action = (denial.action or "").lower()
    if action == PASS_ROLE.lower():
        return not denial.passed_to
    return not denial.request_keys and conditioned_by_request(action) is not None


def _text_only(denial: Denial) -> Denial:
    action = denial.action or ""
    if is_escalation(action) or is_data_access(action):
        return replace(denial, not_granted=TEXT_ONLY)
    return denial


def seen(printed: Denial, record: Denial) -> bool:
    """Whether the sandbox's `record` is the denial `printed` reports.

    The action must be the same; the resource and the principal too, when the text names
    them (as the record has them, or as its own message reads them).
    """
    if not printed.action or not record.action:
        return False
    if printed.action.lower() != record.action.lower():
        return False
    readings = [record, *parse_denials(record.evidence)] if record.evidence else [record]
    resources = {r.resource for r in readings if r.resource}
    principals = {r.principal for r in readings if r.principal}
    if printed.resource is not None and printed.resource not in resources:
        return False
    return printed.principal is None or printed.principal in principals


def _completed(denial: Denial, records: Sequence[Denial]) -> Denial:
    record = next((r for r in records if seen(denial, r) and (r.passed_to or r.request_keys)), None)
    return denial.completed_by(record) if record is not None else denial


def _checked(printed: Denial, records: Sequence[Denial], unseen: str) -> Denial:
    """`printed` marked not granted (`unseen`) when no record shows it; else with what the
    record knows that the text does not (the resource type whose handler was denied, the
    service a role was passed to)."""
    matching = [r for r in records if seen(printed, r)]
    if not matching:
        return replace(printed, not_granted=unseen)
    return _located(printed.completed_by(matching[0]), matching)


def _located(printed: Denial, matching: Sequence[Denial]) -> Denial:
    """`printed` with the resource its latest record names, when the text names none (the
    SAM and CloudFormation CLIs print "TemplateURL must reference a valid S3 object to which
    you have access", the record the object) and every record is one principal's: else a
    grant would be scoped from the action's ARN format, wider than what was denied."""
    if printed.resource is not None or len({r.principal for r in matching}) != 1:
        return printed
    for record in reversed(matching):
        readings = [record, *parse_denials(record.evidence)] if record.evidence else [record]
        named = next((r.resource for r in readings if r.resource and r.resource != "*"), None)
        if named is not None:
            return replace(printed, resource=named)
    return printed

"""One pass over every channel an attempt reports denials in, merged without duplicates.

Channels, in order: the command's output, CloudFormation stack events, decoded
authorization messages, and (only when the step failed and nothing else was
found) the account's own record of denials. A denial the step printed is then checked
against the account's record (`corroborate`): text alone is not proof.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from autofix.account.session import Operator
from autofix.account.stack_names import StackNames
from autofix.account.stacks import stacks_touched
from autofix.config import Step
from autofix.denials.model import Denial
from autofix.harvest.corroborate import Corroboration
from autofix.harvest.decode import decode_all
from autofix.harvest.output import from_output
from autofix.harvest.stack_events import from_stack_events
from autofix.step.runner import StepResult

AccountLog = Callable[[float], list[Denial]]
"""(attempt start, epoch seconds) -> denials the account recorded for the deployer since."""


def merge(*channels: Sequence[Denial]) -> list[Denial]:
    """Denials from every channel, first sighting kept, in channel order.

    A sighting without a resource is dropped when another sighting names the
    resource for the same action and principal (or names no principal at all).
    """
    everything = [denial for channel in channels for denial in channel]
    named = {(d.key[0], d.principal) for d in everything if d.resource is not None}
    named_actions = {d.key[0] for d in everything if d.resource is not None}
    kept: dict[tuple[str | None, str | None, str | None], Denial] = {}
    for denial in everything:
        if denial.resource is None and (
            (denial.key[0], denial.principal) in named
            or (denial.principal is None and denial.key[0] in named_actions)
        ):
            continue
        first = kept.setdefault(denial.key, denial)
        kept[denial.key] = first.completed_by(denial)
    return list(kept.values())


class Harvester:
    """Collects every denial an attempt caused, across channels."""

    def __init__(
        self,
        operator: Operator,
        stack_names: tuple[str, ...] = (),
        account_log: AccountLog | None = None,
        names: StackNames | None = None,
        corroborate: Corroboration | None = None,
    ) -> None:
        self.operator = operator
        self.names = names  # records the generated names of the stacks each attempt touched
        self.stack_names = stack_names
        self.account_log = account_log
        self.corroborate = corroborate or Corroboration()
        self._cfn = operator.client("cloudformation")
        self._seen_events: set[str] = set()
        self.unexplained: tuple[str, ...] = ()
        """The last attempt's stack failures that name no denial (`stack/Logical STATUS:
        reason`), oldest first (the first is the likeliest cause): why it failed when no
        grant can help."""

    def __call__(self, step: Step, result: StepResult, started: float) -> list[Denial]:
        since = datetime.fromtimestamp(started, tz=UTC)
        output = from_output(result)
        names = tuple(dict.fromkeys((*self.stack_names, *step.stacks)))
        stacks = stacks_touched(self._cfn, since, names)
        if self.names is not None:
            self.names.record(stacks)
        unexplained: list[str] = []
        events = from_stack_events(self._cfn, stacks, since, self._seen_events, unexplained)
        self.unexplained = tuple(reversed(unexplained))  # the events come newest first
        decoded = decode_all(self.operator, [*output, *events])
        found = merge(
            [d for d in output if d.encoded_message is None],
            [d for d in events if d.encoded_message is None],
            decoded,
        )
        if not any(d.action for d in found) and not result.ok and self.account_log is not None:
            # nothing named: the account's record names what the CLI hid (osls prints only
            # "AccessDenied" for a DeleteObjects whose objects S3 answered so in a 200)
            found = merge(self.account_log(started)) or found
        return self.corroborate(found, started)

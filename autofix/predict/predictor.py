"""`--strategy predict`: before a step's first attempt, grant what it will need.

What the step deploys (its packaged template; for a step that cannot be packaged ahead,
the templates of the stacks its first failing attempt touched) gives each resource's
handler demands, from the same knowledge the embedded sandbox checks with; the
framework profile gives what the tool calls itself. Both are granted through the
deployer's grantor, scoped like any grant (ledger source `predicted-template` or
`predicted-profile`; before attempt 1, phase `predict`). A denial on a resource of a
predicted group grants the rest of the group, and of its siblings, at once
(`predicted-group`; `groups.placed` says which). The verify pass prunes whatever no
clean replay used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autofix.config import Step
from autofix.config.lifecycle import tears_down
from autofix.denials.model import Denial
from autofix.loop.grantor import Added, GrantFailed, Grantor
from autofix.policy.escalation import is_escalation
from autofix.predict import profile as profiles
from autofix.predict.groups import placed
from autofix.predict.hidden import Hidden, from_environment
from autofix.predict.serverless import Packaged, Run, framework, package
from autofix.predict.stack_templates import Templates
from autofix.predict.template import Place, Predicted, predict
from autofix.records.events import PREDICT
from autofix.sandbox.cloudformation.demands.calls import Operation
from autofix.step.executor import Execution

FROM_TEMPLATE = "predicted-template"
FROM_PROFILE = "predicted-profile"
FROM_GROUP = "predicted-group"

_OPERATIONS: dict[str, tuple[Operation, ...]] = {"deploy": ("create",), "remove": ("delete",)}
_GROUP_OPERATIONS: tuple[Operation, ...] = ("create", "update", "delete")


def _wanted(verb: str, step: Step) -> set[Operation]:
    """The handler operations a step's run calls: an update rehearsal updates what exists."""
    wanted = set(_OPERATIONS.get(verb, ()))
    if step.rehearsal and verb == "deploy":
        wanted = {"update"}
    return wanted


@dataclass
class Predictor:
    """Pre-grants each step's predicted needs; widens a denial to its predicted group."""

    run: Run
    account_id: str
    region: str
    partition: str = "aws"
    profile_name: str | None = None
    """A bundled profile to use; None: the one named after the step's framework."""
    templates: Templates | None = None
    """Reads the templates of the stacks an attempt touched (steps not packaged ahead)."""
    acting: Callable[[str], str | None] | None = None
    """Whom CloudFormation acts as on a stack (its service role), None: the deployer."""
    hidden: Hidden = field(default_factory=from_environment)
    """Knowledge not to grant ahead (benchmark-only knobs, `predict.hidden`)."""
    groups: list[Predicted] = field(default_factory=list)
    _performed: set[Operation] = field(default_factory=set)
    """The handler operations the current step performs (`_wanted`)."""
    _from_stacks: bool = False
    """The step's prediction is read from the stacks it touches (each one once)."""
    _stacks_read: set[str] = field(default_factory=set)
    _observed: tuple[float, list[tuple[str, dict[str, Any]]]] | None = None
    """The templates read for the attempt that started then, before its stacks' cleanup."""

    def before_step(self, step: Step, grantor: Grantor) -> list[Added]:
        """Grant what `step` is predicted to need; the grants made."""
        self.groups = []
        self._stacks_read = set()
        verb = "remove" if tears_down(step.run) else "deploy"
        self._performed = _wanted(verb, step)
        packaged = package(step, self.run)
        self._from_stacks = packaged is None and self.templates is not None
        if packaged is None:
            return []
        region = packaged.region or self.region
        place = Place(packaged.stack, self.account_id, region, self.partition)
        self.groups = predict(packaged.template, place, _GROUP_OPERATIONS)
        wanted = self._performed = _wanted(packaged.verb, step)
        denials = [
            _denial(req.action, req.resource, FROM_TEMPLATE, g)
            for g in self.groups
            if g.operation in wanted and not self.hidden.hides(g.resource_type)
            for req in g.requirements
            if _safe(req.action, req.resource)
        ]
        if packaged.verb == "deploy":
            denials += self._removed(packaged, place)
        denials += self._profile_denials(step, packaged, region)
        return self._grant(grantor, denials, step)

    def observe(self, step: Step, started: float) -> None:
        """Read the templates of the stacks the failed attempt started at `started`
        touched, before they are cleaned up (a stack left under review is deleted with
        its change sets, the only place its template is)."""
        if self._from_stacks and self.templates is not None:
            self._observed = (started, self.templates(started, step.stacks))

    def widen(self, execution: Execution, denials: Sequence[Denial]) -> list[Denial]:
        """What to grant with `denials`: a step not packaged ahead gets its prediction from
        the templates of the stacks its attempt touched (each stack once its template
        shows: SAM touches its managed bucket's stack first, then the app's); a denial placed
        in a predicted group brings the rest of it and of its siblings (`groups.placed`)."""
        found: list[Denial] = []
        if self._from_stacks and self.templates is not None:
            observed, self._observed = self._observed, None
            if observed is not None and observed[0] == execution.started:
                read = observed[1]
            else:
                read = self.templates(execution.started, execution.step.stacks)
            for stack, template in read:
                if stack in self._stacks_read:
                    continue
                self._stacks_read.add(stack)
                place = Place(stack, self.account_id, self.region, self.partition)
                groups = predict(template, place, _GROUP_OPERATIONS)
                self.groups += groups
                verb = "remove" if tears_down(execution.step.run) else "deploy"
                wanted = _wanted(verb, execution.step)
                principal = self.acting(stack) if self.acting else None
                found += [
                    _denial(r.action, r.resource, FROM_TEMPLATE, g, principal)
                    for g in groups
                    if g.operation in wanted and not self.hidden.hides(g.resource_type)
                    for r in g.requirements
                    if _safe(r.action, r.resource)
                ]
        widened: dict[int, tuple[Predicted, str | None]] = {}
        for denial in denials:
            for group in placed(denial, self.groups, self._performed):
                widened.setdefault(id(group), (group, denial.principal))
        for group, principal in widened.values():  # the rest of each group, same principal
            found += [
                _denial(r.action, r.resource, FROM_GROUP, group, principal)
                for r in group.requirements
                if _safe(r.action, r.resource)
            ]
        return found

    def _removed(self, packaged: Packaged, place: Place) -> list[Denial]:
        """An update deletes what the deployed stack has and the new template lacks (an API
        Gateway deployment's logical id changes with each code change, for one)."""
        if self.templates is None:
            return []
        found: list[Denial] = []
        for stack, deployed in self.templates(time.time(), (packaged.stack,)):
            if stack != packaged.stack:
                continue
            gone = _resources(deployed).keys() - _resources(packaged.template).keys()
            for group in predict(deployed, place, ("delete",)):
                if group.logical_id in gone:
                    self.groups.append(group)
                    if self.hidden.hides(group.resource_type):
                        continue
                    found += [
                        _denial(r.action, r.resource, FROM_TEMPLATE, group)
                        for r in group.requirements
                        if _safe(r.action, r.resource)
                    ]
        return found

    def _profile_denials(self, step: Step, packaged: Packaged, region: str) -> list[Denial]:
        name = self.profile_name
        if self.hidden.profile:
            return []
        if name is None:
            installed = framework(step.cwd)
            name = f"{installed[0]}-{installed[1]}" if installed else None
        loaded = profiles.bundled(name) if name else None
        if loaded is None:
            return []
        calls = loaded.calls(
            packaged.verb,
            packaged.service,
            packaged.stage,
            region,
            self.account_id,
            self.partition,
        )
        return [
            Denial(c.action, c.resource, source=FROM_PROFILE, evidence=f"profile {loaded.name}")
            for c in calls
        ]

    def _grant(self, grantor: Grantor, denials: list[Denial], step: Step) -> list[Added]:
        admissible = grantor.admissible(denials)
        if not admissible:
            return []
        try:
            return grantor.grant(admissible, step.name, 0, PREDICT)
        except GrantFailed:
            return []  # the policy could not be stored: the enforced loop will say so


def _resources(template: Mapping[str, Any]) -> Mapping[str, Any]:
    resources = template.get("Resources")
    return resources if isinstance(resources, dict) else {}


def _safe(action: str, resource: str) -> bool:
    """A privilege-escalation action is predicted only on a resource known exactly
    (a wildcard would outlive pruning, which removes unused actions, not wide resources)."""
    return "*" not in resource or not is_escalation(action)


def _denial(
    action: str, resource: str, source: str, group: Predicted, principal: str | None = None
) -> Denial:
    return Denial(
        action,
        resource,
        principal,
        source=source,
        evidence=f"{group.logical_id} ({group.resource_type}) {group.operation}",
    )

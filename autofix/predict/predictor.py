"""`--strategy predict`: before a step's first attempt, grant what it will need.

What the step deploys (each stack's template, read ahead by its tool's reader: `ahead`;
for a step that cannot be read ahead, the templates of the stacks its first failing
attempt touched) gives each resource's handler demands, from the same knowledge the
embedded sandbox checks with; the tool's profile gives what the tool calls itself. A
stack deleted is predicted from its deployed template; a deploy to a stack that exists
from its change set (`changes`: what it creates, updates, replaces). Demands go to the principal
CloudFormation acts as on the stack (a service role such as CDK's execution role, when
autofix manages it), the tool's own calls to the deployer; all are scoped like any grant
(ledger source `predicted-template` or `predicted-profile`; before attempt 1, phase
`predict`). A denial on a resource of a predicted group grants the rest of the group,
and of its siblings, at once (`predicted-group`; `groups.placed` says which). The verify
pass prunes whatever no clean replay used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from autofix.config import Step
from autofix.config.lifecycle import tears_down
from autofix.denials.model import Denial, RequestKeys
from autofix.loop.grantor import Added, GrantFailed, Grantor
from autofix.policy import conditions
from autofix.policy.arn_formats import Place as ArnPlace
from autofix.policy.conditions import PASS_ROLE
from autofix.policy.escalation import escalations_of, is_escalation
from autofix.policy.request_conditions import keyed_on
from autofix.predict import ahead, serverless
from autofix.predict import profile as profiles
from autofix.predict.changes import predict_changes
from autofix.predict.groups import placed
from autofix.predict.hidden import Hidden, current
from autofix.predict.packaged import Packaged, Run
from autofix.predict.stack_templates import Templates, service_role_session
from autofix.predict.template import Place, Predicted, generated_patterns, predict
from autofix.predict.template_calls import template_calls
from autofix.records.events import PREDICT
from autofix.sandbox.cloudformation.demands.calls import Operation
from autofix.sandbox.cloudformation.sam_translator import TRANSFORM_ACTION, transform_arn
from autofix.step.executor import Execution

FROM_TEMPLATE = "predicted-template"
FROM_PROFILE = "predicted-profile"
FROM_GROUP = "predicted-group"
CLOUDFORMATION = "cloudformation"
"""The service a stack's `--role-arn` is passed to (its IAM prefix)."""

_GROUP_OPERATIONS: tuple[Operation, ...] = ("create", "update", "delete")


def _wanted(removes: bool, step: Step) -> set[Operation]:
    """The handler operations a step's run calls: an update rehearsal updates what exists."""
    if removes:
        return {"delete"}
    return {"update"} if step.rehearsal else {"create"}


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
    hidden: Hidden = field(default_factory=current)
    """Knowledge not to grant ahead (nothing, but in a benchmark: `predict.hidden`)."""
    groups: list[Predicted] = field(default_factory=list)
    _performed: set[Operation] = field(default_factory=set)
    """The handler operations the current step performs (`_wanted`)."""
    _from_stacks: bool = False
    """The step's prediction is read from the stacks it touches (each one once)."""
    _stacks_read: set[str] = field(default_factory=set)
    _generated: set[str] = field(default_factory=set)
    """The generated-name patterns (`stack-Logical-*`) of the templates predicted."""
    _observed: tuple[float, list[tuple[str, dict[str, Any]]]] | None = None
    """The templates read for the attempt that started then, before its stacks' cleanup."""

    def before_step(self, step: Step, grantors: Sequence[Grantor]) -> list[Added]:
        """Grant what `step` is predicted to need, each principal through its grantor
        (the deployer's first); the grants made."""
        self.groups = []
        self._stacks_read = set()
        self._generated = set()
        self._performed = _wanted(tears_down(step.run), step)
        stacks = ahead.prepare(step, self.run, self.account_id)
        first: list[Added] = []
        if not stacks:  # the package run may need the tool's own calls (a layer's stack read)
            first = self._tool_calls_first(step, grantors)
            stacks = ahead.prepare(step, self.run, self.account_id) if first else []
        self._from_stacks = not stacks and self.templates is not None
        denials: list[Denial] = []
        for packaged in stacks:
            denials += self._stack_denials(step, packaged)
        if stacks:
            denials += self._profile_denials(step, stacks[0])
        return first + self._grant(grantors, denials, step)

    def _tool_calls_first(self, step: Step, grantors: Sequence[Grantor]) -> list[Added]:
        """The profile's calls for the stack a Serverless step names, granted before its
        package run is tried again (what was granted; [] when nothing could be)."""
        named = serverless.declared(step)
        if named is None:
            return []
        return self._grant(grantors, self._profile_denials(step, named), step)

    def _stack_denials(self, step: Step, packaged: Packaged) -> list[Denial]:
        region = packaged.region or self.region
        at = ArnPlace(self.account_id, region, self.partition)
        place = Place(packaged.stack, at, self._role(packaged) or "")
        template = packaged.template
        deployed = self._deployed(packaged.stack)
        if packaged.removes:  # what is deployed is what the delete deletes
            template = deployed or template
        self._generated |= generated_patterns(template, place)
        principal = self._acting(packaged)
        if deployed is not None and not packaged.removes and not step.rehearsal:
            groups = predict_changes(deployed, template, place)  # an update: its change set
            wanted = self._performed = set(_GROUP_OPERATIONS)
        else:
            groups = predict(template, place, _GROUP_OPERATIONS)
            wanted = self._performed = _wanted(packaged.removes, step)
        if packaged.removes:  # its nested stacks are deleted with it
            groups = [*groups, *self._nested_deletes(packaged.stack, region)]
        self.groups += groups
        denials = self._role_passed(packaged, region)
        denials += self._denials(groups, wanted, FROM_TEMPLATE, principal)
        if not packaged.removes:
            denials += self._removed(packaged, deployed, place, principal)
            denials += [  # the deployer's, whoever CloudFormation then acts as
                Denial(
                    TRANSFORM_ACTION,
                    transform_arn(name, self.partition, region),
                    source=FROM_TEMPLATE,
                    evidence=f"Transform {name}",
                )
                for name in packaged.transforms
            ]
        return denials

    def _nested_deletes(self, stack: str, region: str) -> list[Predicted]:
        """The deletes of the stack's nested stacks' resources, each under its own name."""
        found: list[Predicted] = []
        for name, nested in self.templates(time.time(), (stack,)) if self.templates else ():
            if name.startswith(f"{stack}-"):
                place = Place(name, ArnPlace(self.account_id, region, self.partition))
                found += predict(nested, place, ("delete",))
        return found

    def _acting(self, packaged: Packaged) -> str | None:
        """The session CloudFormation acts as on the stack (None: the deployer)."""
        role = self._role(packaged)
        return service_role_session(role) if role else None

    def _role(self, packaged: Packaged) -> str | None:
        if packaged.role is None:
            return None
        return (
            packaged.role.replace("${AWS::Partition}", self.partition)
            .replace("${AWS::AccountId}", self.account_id)
            .replace("${AWS::Region}", packaged.region or self.region)
        )

    def _role_passed(self, packaged: Packaged, region: str) -> list[Denial]:
        """The deployer's iam:PassRole of the role its command line gives CloudFormation
        (`--role-arn`), to CloudFormation (`iam:PassedToService`)."""
        role, service = self._role(packaged), conditions.receiver(CLOUDFORMATION)
        if not packaged.passes_role or not role or not service:
            return []
        evidence = f"--role-arn {role} (stack {packaged.stack})"
        return [Denial(PASS_ROLE, role, source=FROM_PROFILE, evidence=evidence, passed_to=service)]

    def _deployed(self, stack: str) -> dict[str, Any] | None:
        if self.templates is None:
            return None
        return next((t for name, t in self.templates(time.time(), (stack,)) if name == stack), None)

    def _denials(
        self,
        groups: Sequence[Predicted],
        wanted: set[Operation],
        source: str,
        principal: str | None = None,
    ) -> list[Denial]:
        """The demands of `groups` for the `wanted` operations (a prediction from the
        template leaves out the types `hidden` hides)."""
        return [
            _denial(r.action, r.resource, source, g, principal, r.keys)
            for g in groups
            if g.call.operation in wanted
            and not (source == FROM_TEMPLATE and self.hidden.hides(g.call.resource_type))
            for r in g.requirements
            if _safe(r.action, r.resource, self._generated, r.keys)
        ]

    def observe(self, step: Step, started: float) -> None:
        """Read the templates of the stacks the failed attempt started at `started`
        touched, before they are cleaned up (a stack left under review is deleted with
        its change sets, the only place its template is)."""
        if self._from_stacks and self.templates is not None:
            self._observed = (started, self.templates(started, step.stacks))

    def widen(self, execution: Execution, denials: Sequence[Denial]) -> list[Denial]:
        """What to grant with `denials`: a step not packaged ahead gets its prediction from
        the templates of the stacks its attempt touched (each stack once its template
        shows: SAM touches its managed bucket's stack first, then the app's); a denial on
        a predicted group's resource brings the rest of that group."""
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
                place = Place(stack, ArnPlace(self.account_id, self.region, self.partition))
                groups = predict(template, place, _GROUP_OPERATIONS)
                self.groups += groups
                self._generated |= generated_patterns(template, place)
                wanted = _wanted(tears_down(execution.step.run), execution.step)
                principal = self.acting(stack) if self.acting else None
                found += self._denials(groups, wanted, FROM_TEMPLATE, principal)
        widened: dict[int, tuple[Predicted, str | None]] = {}
        for denial in denials:
            for group in placed(denial, self.groups, self._performed):
                widened.setdefault(id(group), (group, denial.principal))
        for group, principal in widened.values():  # the rest of each group, same principal
            found += self._denials([group], {group.call.operation}, FROM_GROUP, principal)
        return found

    def _removed(
        self,
        packaged: Packaged,
        deployed: Mapping[str, Any] | None,
        place: Place,
        principal: str | None,
    ) -> list[Denial]:
        """An update deletes what the deployed stack has and the new template lacks (an API
        Gateway deployment's logical id changes with each code change, for one)."""
        if deployed is None:
            return []
        gone = _resources(deployed).keys() - _resources(packaged.template).keys()
        groups = [g for g in predict(deployed, place, ("delete",)) if g.call.logical_id in gone]
        self.groups += groups
        self._generated |= generated_patterns(deployed, place)
        return self._denials(groups, {"delete"}, FROM_TEMPLATE, principal)

    def _profile_denials(self, step: Step, packaged: Packaged) -> list[Denial]:
        if self.hidden.profile:
            return []
        name = self.profile_name or ahead.profile_name(step, self.run)
        loaded = profiles.bundled(name) if name else None
        if loaded is None:
            return []
        extra = template_calls(loaded.name, packaged.verb, packaged.template)
        if extra:
            more = dict(loaded.commands)
            more[packaged.verb] = (*more.get(packaged.verb, ()), *extra)
            loaded = replace(loaded, commands=more)
        calls = loaded.calls(
            packaged.verb,
            packaged.service,
            packaged.stage,
            packaged.region or self.region,
            self.account_id,
            self.partition,
            stack=packaged.stack,
        )
        return [
            Denial(
                c.action,
                c.resource,
                source=FROM_PROFILE,
                evidence=f"profile {loaded.name}",
                passed_to=c.passed_to,
            )
            for c in calls
            # an iam:PassRole whose receiving service the profile does not name is left to
            # the enforced loop, which learns it from the request (`iam:PassedToService`)
            if c.action.lower() != PASS_ROLE.lower() or c.passed_to
        ]

    def _grant(self, grantors: Sequence[Grantor], denials: list[Denial], step: Step) -> list[Added]:
        """Each principal's share through its grantor (a principal autofix does not
        manage gets nothing: its denials, if any, stop the loop as they would)."""
        added: list[Added] = []
        for grantor in grantors:
            mine = grantor.admissible([d for d in denials if grantor.owns(d.principal)])
            if not mine:
                continue
            try:
                added += grantor.grant(mine, step.name, 0, PREDICT)
            except GrantFailed:
                continue  # the policy could not be stored: the enforced loop will say so
        return added


def _resources(template: Mapping[str, Any]) -> Mapping[str, Any]:
    resources = template.get("Resources")
    return resources if isinstance(resources, dict) else {}


def _safe(
    action: str,
    resource: str,
    generated: Iterable[str] = (),
    keys: RequestKeys = (),
) -> bool:
    """A privilege-escalation action is predicted only on a resource known exactly, or
    whose one wildcard is the random tail of a name CloudFormation generates for this
    stack (`<stack>-<LogicalId>-*`, as `generated`); the guard flags it like any other.
    A wider wildcard would outlive pruning, which removes unused actions, not wide resources.
    A resource the escalation does not flow through (RunInstances on `image/*`) carries
    none; one it flows through is safe when the demand binds what flows (`bound_by`: a
    launch's `ec2:InstanceProfile`, a key the grant on it is conditioned on) to values so
    known, or to none, as the guard reads it."""
    if "*" not in resource or not is_escalation(action):
        return True
    told = {key.lower(): values for key, values in keys} if keyed_on(resource, action) else {}
    if all(  # none carried on this resource, or each bound
        e.bound_scopes
        and e.bound_by.lower() in told
        and all(_known(v, generated) for v in told[e.bound_by.lower()])
        for e in escalations_of(action)
        if e.carried_by(resource)
    ):
        return True
    return _known(resource, generated)


def _known(value: str, generated: Iterable[str]) -> bool:
    """Known exactly, or but for the random tail of a name the stack generates (and, in a
    CloudFormation stack's ARN, the stack id AWS assigns: `stack/<name>/*`)."""
    if ":cloudformation:" in value and ":stack/" in value and value.endswith("/*"):
        value = value.removesuffix("/*")
    return "*" not in value or any(
        name in value and "*" not in value.replace(name, "", 1) for name in generated
    )


def _passes(action: str) -> bool:
    return action.lower() == PASS_ROLE.lower()


def _denial(
    action: str,
    resource: str,
    source: str,
    group: Predicted,
    principal: str | None = None,
    keys: RequestKeys = (),
) -> Denial:
    return Denial(
        action,
        resource,
        principal,
        source=source,
        evidence=f"{group.call.logical_id} ({group.call.resource_type}) {group.call.operation}",
        resource_type=group.call.resource_type,
        passed_to=dict(group.passed_to).get(resource, "") if _passes(action) else "",
        request_keys=keys,  # the demand's (a launch's ec2:InstanceProfile): as a denial's
    )

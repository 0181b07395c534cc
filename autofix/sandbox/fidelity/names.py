"""Generated names in the sandbox as CloudFormation makes them.

moto names an unnamed resource `{stack}-{logical id}-{12 of A-Z0-9}` and truncates only
S3 and load-balancer names, and not as CloudFormation does. Here the name follows
autofix.policy.generated.generated_name: the type's length limit, the shared truncation
of stack name and logical id, lower case where the type wants it, and a random part of
12 letters and digits (both cases, as CloudFormation's are today). `install(tails)` takes
another source of random parts (a sandbox plugin can, to make names reproducible).
The types named another way (a state machine: `{logical id}-{random}`) follow their
rule's form. A type moto has no CloudFormation model for (a CloudWatch alarm), or whose
model declares no name property (a dashboard), keeps the name its template gives in the
rule's name property (`AlarmName`, `DashboardName`).
"""

from __future__ import annotations

import random
import re
import string
from typing import Any

from autofix.policy.name_rules import TAIL_LENGTHS, name_rule

ALPHABETS = {
    "letters": string.ascii_letters,
    "digits": string.digits,
    "mixed": string.ascii_letters + string.digits,
}
_ORIGINAL: dict[str, Any] = {}


class Tails:
    """The random parts: `kind` of characters (letters, digits or mixed), seeded or not."""

    def __init__(self, kind: str = "mixed", seed: int | None = None) -> None:
        if kind not in ALPHABETS:
            raise ValueError(f"{kind!r}: expected one of {', '.join(ALPHABETS)}")
        self.alphabet = ALPHABETS[kind]
        self.random = random.Random(seed) if seed is not None else random.SystemRandom()

    def __call__(self) -> str:
        return "".join(self.random.choice(self.alphabet) for _ in range(TAIL_LENGTHS[0]))


def install(tails: Tails | None = None) -> None:
    """Replace moto's name generator (and its random part) in this process."""
    from moto.cloudformation import parsing

    tails = tails or Tails()
    _ORIGINAL.setdefault("generate_resource_name", parsing.generate_resource_name)
    _ORIGINAL.setdefault("random_suffix", getattr(parsing, "random_suffix"))  # noqa: B009
    _ORIGINAL.setdefault("name_property", parsing.resource_name_property_from_type)
    setattr(parsing, "random_suffix", tails)  # noqa: B010 (moto imported it by name)

    def generate(resource_type: str, stack_name: str, logical_id: str) -> str:
        rule = name_rule(resource_type)
        if rule is None:  # a type whose name the template must give: moto's own id form
            return str(_ORIGINAL["generate_resource_name"](resource_type, stack_name, logical_id))
        return rule.generate(stack_name, logical_id, tails())

    parsing.generate_resource_name = generate
    parsing.resource_name_property_from_type = name_property


def with_generated_name(resource_type: str, resource_json: dict[str, Any], name: str) -> Any:
    """`resource_json` for moto's create, its name property set to the generated `name`
    where the template leaves it out (moto's SSM parameter reads only the property).

    Only for a moto model named by the same property, or one that declares none (an ECS
    task definition's `Family`: moto would invent `task-definition-<digits>` of its own,
    not the name the handler was checked on); another (a rest API named by its OpenAPI
    body's title) keeps its own way.
    """
    rule = name_rule(resource_type)
    props = resource_json.get("Properties")
    if rule is None or rule.property in (props or {}) or not isinstance(props or {}, dict):
        return resource_json
    if _moto_name_property(resource_type) not in ("", rule.property):
        return resource_json
    return {**resource_json, "Properties": {**(props or {}), rule.property: name}}


def for_update(
    resource_type: str,
    resource_json: dict[str, Any],
    physical_id: str | None,
    new_name: str,
    replaced: bool,
) -> tuple[str, Any]:
    """(the name, the resource json) moto's update is given: updated in place, a resource
    the template leaves unnamed keeps the name it has (moto remakes a topic under the
    name it is given: a new ARN, where AWS keeps it for a DisplayName change); replaced,
    it gets `new_name`."""
    kept = name_in(physical_id) or new_name
    named = with_generated_name(resource_type, resource_json, kept)
    return (kept if named is not resource_json and not replaced else new_name), named


def name_in(physical_id: str | None) -> str:
    """The name a physical id ends with (a queue URL's, a topic ARN's): an update keeps it."""
    return re.split(r"[/:]", physical_id or "")[-1]


def name_property(resource_type: str) -> str | None:
    """moto's name property of a type it models; the rule's for a type it does not, or
    whose moto model declares none (a dashboard's `DashboardName`: moto reads it itself,
    but the handler was checked under a generated name)."""
    known = _moto_name_property(resource_type)
    if known:
        return known
    rule = name_rule(resource_type)
    if rule is None:
        return known if resource_type in _moto_types() else None
    return rule.property


def _moto_name_property(resource_type: str) -> str | None:
    from moto.cloudformation import parsing

    moto_own = _ORIGINAL.get("name_property", parsing.resource_name_property_from_type)
    return moto_own(resource_type)  # type: ignore[no-any-return]


def _moto_types() -> dict[str, Any]:
    from moto.cloudformation import parsing

    return parsing.get_model_map()


def suffixed(resource_type: str, properties: dict[str, Any], name: str) -> str:
    """A generated `name` with the suffix the type's rule adds for these properties (an
    unnamed FIFO queue's `.fifo`); moto's generator sees no properties."""
    rule = name_rule(resource_type)
    return rule.with_suffix(name, properties) if rule else name

"""How CloudFormation names a resource its template leaves unnamed, per type, as data.

Most types: `{stack}-{logical id}-{random}`, the random part 12 or 13 letters and
digits, the stack name and logical id truncated to fit the type's length limit (13
characters are kept for the random part and its hyphen, the rest is shared around one
more hyphen, the stack name rounding up and each part taking what the other leaves),
lower-cased where the type wants it (S3 buckets). Name properties, limits and case come
from autofix/data/derived/cfn_generated_names.json (scripts/derive_name_rules.py); the
types named another way (a state machine is `{logical id}-{random}`, an SSM parameter
`CFN-{logical id}-{random}`) from autofix/data/curated/cfn_physical_names.json, each
entry with its source. The sandbox names by these rules, the predictor and the
generaliser (autofix.policy.generated) read names by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from autofix import data

TAIL_LENGTHS = (12, 13)
COMMON_FORM = "{stack}-{logical}-{random}"


@dataclass(frozen=True)
class NameRule:
    """How a type is named: the template property, the longest name, lower case or not.

    `form` is how an unnamed one is named (`{stack}`, `{logical}`, `{random}`), and
    `logical_max` the longest part of the logical id it keeps.
    """

    property: str
    max_length: int | None = None
    lowercase: bool = False
    form: str = COMMON_FORM
    logical_max: int | None = None

    def has_stack(self) -> bool:
        """Whether the generated name holds the stack name."""
        return "{stack}" in self.form

    def generate(self, stack: str, logical_id: str, tail: str) -> str:
        """The name CloudFormation gives a resource of this type with no name given."""
        if self.form == COMMON_FORM:
            return generated_name(stack, logical_id, tail, self.max_length, self.lowercase)
        fixed = len(self.form.replace("{logical}", "").replace("{random}", "")) + len(tail)
        room = [n for n in (self.logical_max, (self.max_length or 0) - fixed) if n]
        logical = logical_id[: max(1, min(room))] if room else logical_id
        name = self.form.format(stack=stack, logical=logical, random=tail)
        return name.lower() if self.lowercase else name

    def head(self, stack: str, logical_id: str) -> str:
        """What every generated name of this type starts with, whatever its random part."""
        return shared_start(self._heads(stack, logical_id))

    def pattern(self, stack: str, logical_id: str) -> str:
        """The pattern every generated name of this type matches, whatever its random part:
        a generated-name pattern, never a bare start cut inside a word
        (autofix.policy.widening).

        In the common form, a name too long for its type is cut, and how CloudFormation
        shares the room between the stack name and the logical id is read two ways (names
        seen on AWS keep the whole logical id, `aws-python-scheduled-cr-
        serverlessdeploymentbucket-...`; the sandbox halves the room): each part keeps what
        both readings keep, `*` stands for the rest, and the hyphens between stay. Other
        forms: each part as far as both random-part lengths cut it alike.
        """
        if self.form == COMMON_FORM and self.max_length is not None:
            stack_keep, logical_keep = len(stack), len(logical_id)
            for length in TAIL_LENGTHS:
                if len(stack) + len(logical_id) + length + 2 > self.max_length:
                    room = self.max_length - length - 2
                    stack_keep = min(stack_keep, max(1, room - len(logical_id)), (room + 1) // 2)
                    logical_keep = min(logical_keep, max(1, room - len(stack)), room // 2)
            stack_part = stack[:stack_keep] + ("*" if stack_keep < len(stack) else "")
            cut = "*" if logical_keep < len(logical_id) else ""
            pattern = f"{stack_part}-{logical_id[:logical_keep]}{cut}-*"
            return pattern.lower() if self.lowercase else pattern
        heads = self._heads(stack, logical_id)
        if len(set(heads)) == 1:
            return heads[0] + "*"
        parts = [head[:-1].rsplit("-", 1) for head in heads]
        if any(len(p) != 2 for p in parts):
            return shared_start(heads) + "*-*"
        pieces = []
        for index in (0, 1):
            texts = [p[index] for p in parts]
            shared = shared_start(texts)
            pieces.append(shared if len(set(texts)) == 1 else shared + "*")
        return f"{pieces[0]}-{pieces[1]}-*"

    def _heads(self, stack: str, logical_id: str) -> list[str]:
        return [
            self.generate(stack, logical_id, "\x00" * length)[:-length] for length in TAIL_LENGTHS
        ]


@cache
def _rules() -> dict[str, NameRule]:
    forms = data.load("curated", "cfn_physical_names.json")["types"]
    rules = {}
    for rtype, rule in data.load("derived", "cfn_generated_names.json")["types"].items():
        form = forms.get(rtype, {})
        rules[rtype] = NameRule(
            rule["property"],
            rule.get("max_length"),
            bool(rule.get("lowercase")),
            form.get("form", COMMON_FORM),
            form.get("logical_max"),
        )
    return rules


def name_rule(resource_type: str) -> NameRule | None:
    """The naming rule of `resource_type`; None when its template cannot leave the name out."""
    return _rules().get(resource_type)


def shared_start(texts: list[str]) -> str:
    """The longest start every text shares."""
    first = texts[0]
    for i, char in enumerate(first):
        if any(i >= len(t) or t[i] != char for t in texts[1:]):
            return first[:i]
    return first


def generated_name(
    stack: str, logical_id: str, tail: str, max_length: int | None = None, lowercase: bool = False
) -> str:
    """The name CloudFormation gives a resource with no name in its template (common form)."""
    name = f"{stack}-{logical_id}-{tail}"
    if max_length is not None and len(name) > max_length:
        room = max(2, max_length - len(tail) - 2)
        stack_room, logical_room = (room + 1) // 2, room // 2
        if len(logical_id) < logical_room:
            stack_room = room - len(logical_id)
        elif len(stack) < stack_room:
            logical_room = room - len(stack)
        name = f"{stack[:stack_room]}-{logical_id[:logical_room]}-{tail}"
    return name.lower() if lowercase else name

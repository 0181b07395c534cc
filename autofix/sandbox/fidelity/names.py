"""Generated names in the sandbox as CloudFormation makes them.

moto names an unnamed resource `{stack}-{logical id}-{12 of A-Z0-9}` and truncates only
S3 and load-balancer names, and not as CloudFormation does. Here the name follows
autofix.policy.generated.generated_name: the type's length limit, the shared truncation
of stack name and logical id, lower case where the type wants it, and a random part of
12 letters and digits (both cases, as CloudFormation's are today). `install(tails)` takes
another source of random parts (a sandbox plugin can, to make names reproducible).
"""

from __future__ import annotations

import random
import string
from typing import Any

from autofix.policy.generated import TAIL_LENGTHS, generated_name, name_rule

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
    setattr(parsing, "random_suffix", tails)  # noqa: B010 (moto imported it by name)

    def generate(resource_type: str, stack_name: str, logical_id: str) -> str:
        rule = name_rule(resource_type)
        if rule is None:  # a type whose name the template must give: moto's own id form
            return str(_ORIGINAL["generate_resource_name"](resource_type, stack_name, logical_id))
        return generated_name(stack_name, logical_id, tails(), rule.max_length, rule.lowercase)

    parsing.generate_resource_name = generate

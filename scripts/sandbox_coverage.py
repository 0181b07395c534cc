"""Measure how the embedded sandbox checks CloudFormation resource types (README numbers).

Run: python scripts/sandbox_coverage.py
"""

from __future__ import annotations

from collections import Counter

from moto.cloudformation import parsing

from autofix.sandbox.cloudformation.demands.requirements import covered_types
from autofix.sandbox.cloudformation.demands.rule_data import data_rule_types
from autofix.sandbox.cloudformation.demands.schema import known_types
from autofix.sandbox.cloudformation.demands.tiers import coverage
from autofix.sandbox.fidelity import install


def main() -> None:
    install()  # moto's models registered, as in the server
    moto_types = set(parsing.get_model_map())
    types = sorted(known_types())
    tiers = Counter(coverage(t) for t in types)
    print(f"resource types known (cfn-lint us-east-1 provider index): {len(types)}")
    print(
        f"  property-aware rules: {tiers['rule']} "
        f"({len(data_rule_types())} as data, {len(covered_types() - data_rule_types())} in code)"
    )
    print(f"  provider-schema handler lists: {tiers['schema']}")
    print(f"  custom resource (invoke checked, provider unverified): {tiers['custom']}")
    print(f"  unverified (no rule, no handler data): {tiers['none']}")
    stand_ins = [t for t in types if t not in moto_types]
    print(f"moto models: {len(moto_types & set(types))}; stand-ins for the rest: {len(stand_ins)}")


if __name__ == "__main__":
    main()

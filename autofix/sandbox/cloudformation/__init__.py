"""CloudFormation in the embedded sandbox, acting with the caller's permissions.

Split the way moto splits a service: `state` (the stack operation in progress) and `caller`
(whose permissions it acts with); the protocol (`change_set_reads`, `stack_outputs`,
`stack_reads`, `template_url`, `validation`); the flows (`stacks`: create and delete,
`change_sets`, `updates`, `waves`); `handlers` (one resource's create, update or delete,
checked and evented); `types/` (resource types moto lacks or gets wrong); `demands/` (the
one home of what a handler demands of its caller); `transforms` (SAM), `intrinsics`; and
`registry` with `patches` (every patch on moto, named and installed in one place).
"""

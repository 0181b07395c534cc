"""What each command of the command line does, one module a command: `run` (with
`invocation`: its options and a resumed run's), `check`, `render`, `sandbox`, `explain`,
`profile`. `autofix.cli` only parses arguments and hands them here."""

"""A run's records: the typed events (`events`) and the ledger they are written to (`ledger`),
read back (`event_lines`, `resume`), the outcome and `summary.json` (`outcome`), the claimed
output directory (`lock`), atomic writes (`files`), and what the sandbox's records add
(`demand_marks`, `unverified`)."""

"""Hand-made output directories: ledgers written line by line the way the loop writes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEPLOYER = "arn:aws:iam::123456789012:user/autofix-deployer"


class LedgerWriter:
    """Builds ledger lines the way the loop writes them (event, ts, run, fields)."""

    def __init__(self, run_id: str = "feedc0ffee00") -> None:
        self.run_id = run_id
        self.lines: list[dict[str, Any]] = []

    def add(self, event: str, **fields: Any) -> LedgerWriter:
        second = len(self.lines)
        ts = f"2026-11-28T10:{second // 60:02d}:{second % 60:02d}.000000Z"
        self.lines.append({"run": self.run_id, **fields, "event": event, "ts": ts})
        return self

    def denied(self, step: str, attempt: int, action: str, **extra: Any) -> LedgerWriter:
        fields = {
            "action": action,
            "resource": None,
            "principal": DEPLOYER,
            "deny": "implicit",
            "fixable": True,
            "source": "output",
            "evidence": f"User: {DEPLOYER} is not authorized to perform: {action}",
        }
        fields.update(extra)
        return self.add("denial_found", step=step, attempt=attempt, **fields)

    def attempt(
        self, step: str, attempt: int, total: int, exit_code: int, seconds: float
    ) -> LedgerWriter:
        self.add("attempt_start", step=step, attempt=attempt, total=total)
        return self.add(
            "command_exit",
            step=step,
            attempt=attempt,
            exit_code=exit_code,
            seconds=seconds,
            timed_out=False,
        )

    def text(self) -> str:
        return "".join(json.dumps(line) + "\n" for line in self.lines)


def write_out_dir(
    directory: Path,
    ledger: LedgerWriter | str | None = None,
    summary: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if ledger is not None:
        text = ledger if isinstance(ledger, str) else ledger.text()
        (directory / "ledger.jsonl").write_text(text, encoding="utf-8")
    if summary is not None:
        (directory / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    if policy is not None:
        (directory / "policy.json").write_text(json.dumps(policy), encoding="utf-8")
    return directory


def allow(*actions: str, resource: str | list[str] = "*") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}],
    }

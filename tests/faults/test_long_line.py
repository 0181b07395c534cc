"""A step that prints one 50 MB line: every denial in it is read whole, nothing truncated is
marked fixable, and the failure's tail stays short (issue 22)."""

from __future__ import annotations

import sys
from pathlib import Path

from autofix.records.events import DenialFound, StepFailedEvent
from tests.conftest import events_of, read_json, run_autofix, write_config

SENTENCE = (
    "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: s3:GetObject "
    "on resource: arn:aws:s3:::b/k because no identity-based policy allows the s3:GetObject "
    "action. "
)
# seven characters first, so that no block boundary falls where a sentence starts
PRINTER = f"""import sys
sys.stdout.write("x" * 7 + {SENTENCE!r} * (50_000_000 // {len(SENTENCE)}) + "\\n")
"""


def test_a_50_megabyte_line_yields_no_truncated_action(tmp_path: Path) -> None:
    (tmp_path / "print_line.py").write_text(PRINTER)
    config = write_config(
        tmp_path, f'[[steps]]\nname = "deploy"\nrun = "{sys.executable} print_line.py; exit 1"\n'
    )
    out = tmp_path / ".autofix"
    once = ("--strategy", "trial", "--no-verify", "--max-attempts", "1")
    result = run_autofix("run", "--config", str(config), *once, timeout=900)
    assert result.exit_code == 1, result.output[-2000:]
    found = events_of(out / "ledger.jsonl", DenialFound)
    assert found, "the denial in the line was not read"
    assert {(d.action, d.resource) for d in found} == {("s3:GetObject", "arn:aws:s3:::b/k")}
    assert read_json(out / "policy.json").get("Statement", []) == []
    # the tail of the failure is shown and kept, one line of it cut short
    [failed] = events_of(out / "ledger.jsonl", StepFailedEvent)
    assert 0 < len(failed.tail) < 2000 and "more characters" in failed.tail
    assert (out / "ledger.jsonl").stat().st_size < 100_000
    assert len(result.output) < 100_000

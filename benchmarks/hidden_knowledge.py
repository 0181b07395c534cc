"""What `--strategy predict` pays when its knowledge is missing: attempts per variant.

Each service runs on the embedded sandbox under `trial` (the reference), then `predict`
with all its knowledge and with part of it hidden from the predictor (never from the
sandbox) through the knobs of `benchmarks/hidden_autofix.py` (autofix with them read):

- `predict`: everything known;
- `hide-30%`: the resource types whose digest falls in 30% of the digest space are not
  granted ahead (the same types on every run);
- `hide-all`: no type is granted ahead (the deploy tool's profile still is);
- `no-profile`: the templates known, the deploy tool's own calls not.

A run counts when it succeeded, its policy replayed cleanly in a fresh sandbox, and its
final actions are trial's. Prints a Markdown table; exits 1 when a run does not count.

    python benchmarks/hidden_knowledge.py [--config FILE]... [--variant V]... [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFIGS = (
    REPO / "playground" / "serverless-demo" / "autofix.toml",
    REPO / "playground" / "corpus" / "http-api-dynamodb" / "autofix.toml",
    REPO / "playground" / "corpus" / "streams" / "autofix.toml",
)
VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "trial": ("trial", {}),
    "predict": ("predict", {}),
    "hide-30%": ("predict", {"AUTOFIX_PREDICT_HIDE_TYPES": "30%"}),
    "hide-all": ("predict", {"AUTOFIX_PREDICT_HIDE_TYPES": "all"}),
    "no-profile": ("predict", {"AUTOFIX_PREDICT_HIDE_PROFILE": "1"}),
}
KNOBS = ("AUTOFIX_PREDICT_HIDE_TYPES", "AUTOFIX_PREDICT_HIDE_PROFILE")
RUNNER = Path(__file__).resolve().with_name("hidden_autofix.py")


def _actions(out: Path) -> set[str]:
    try:
        policy = json.loads((out / "policy.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {a.lower() for s in policy.get("Statement", []) for a in s.get("Action", [])}


def measure(config: Path, variant: str) -> tuple[dict[str, object], set[str]]:
    """One run of `config` under `variant`: its figures, and its final actions."""
    strategy, knobs = VARIANTS[variant]
    env = {k: v for k, v in os.environ.items() if k not in KNOBS}
    with tempfile.TemporaryDirectory(prefix="autofix-hidden-") as tmp:
        out = Path(tmp)
        started = time.monotonic()
        command = ["run", "--config", str(config), "--out", str(out), "--strategy", strategy]
        proc = subprocess.run(
            [sys.executable, str(RUNNER), *command],
            capture_output=True,
            text=True,
            env={**env, **knobs},
        )
        wall = time.monotonic() - started
        try:
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            summary = {}
        actions = _actions(out)
    row: dict[str, object] = {
        "service": str(config.parent.relative_to(REPO)),
        "variant": variant,
        "exit_code": proc.returncode,
        "verified": summary.get("verified"),
        "attempts_total": summary.get("attempts_total"),
        "attempts_per_step": {s["name"]: s["attempts"] for s in summary.get("steps", [])},
        "actions": len(actions),
        "wall_seconds": round(wall, 1),
    }
    return row, actions


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| service | variant | attempts per step | attempts_total | same actions as trial "
        "| verified |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        per_step = r["attempts_per_step"]
        steps = " + ".join(str(v) for v in per_step.values()) if isinstance(per_step, dict) else ""
        lines.append(
            f"| {r['service']} | {r['variant']} | {steps} | {r['attempts_total']} | "
            f"{r['same_actions_as_trial']} | {r['verified']} |"
        )
    return "\n".join(lines)


def counts(row: dict[str, object]) -> bool:
    """Whether a run succeeded, verified, with trial's actions."""
    return (
        row["exit_code"] == 0
        and row["verified"] is True
        and row["same_actions_as_trial"]
        in (
            True,
            "-",
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, action="append", help="(repeatable)")
    parser.add_argument("--variant", action="append", choices=list(VARIANTS), help="(repeatable)")
    parser.add_argument("--json", action="store_true", help="print every row as JSON")
    args = parser.parse_args()
    variants = ["trial", *(v for v in args.variant or VARIANTS if v != "trial")]
    rows: list[dict[str, object]] = []
    for config in args.config or CONFIGS:
        reference: set[str] = set()
        for variant in variants:
            row, actions = measure(config.resolve(), variant)
            if variant == "trial":
                reference = actions
                row["same_actions_as_trial"] = "-"
            else:
                row["same_actions_as_trial"] = actions == reference
                if actions != reference:
                    row["actions_not_in_trial"] = sorted(actions - reference)
                    row["trial_actions_missing"] = sorted(reference - actions)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    return 0 if all(counts(r) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

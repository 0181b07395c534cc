"""Attempts, wall time and per-attempt overhead of the repair loop, per strategy.

Every deploy attempt on a real account costs minutes, so the number of attempts is
the main performance figure; the second is what autofix adds to each attempt
(harvesting, stack recovery, applying and awaiting the policy: the time from a step's
exit to its next attempt). Runs each config on the embedded sandbox once per strategy
(trial, observe, predict), reads the ledger, and prints a table: attempts per step,
`attempts_total` (verify replays that had to grant included), wall time, the overhead
per attempt, the machine's load average before and after the run (wall times on a
shared machine are only as good as its load), whether the final policy's actions equal
trial's, and whether the policy was verified. A run that leaves no summary is a row
with its exit code, never a crash of the whole bench. `--config` runs the bench in parts.

    python benchmarks/attempts.py [--config FILE]... [--strategy S]... [--json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _ts(event: dict[str, object]) -> float:
    return datetime.fromisoformat(str(event["ts"]).replace("Z", "+00:00")).timestamp()


_RUN = (sys.executable, "-m", "autofix", "run")
STRATEGIES = ("trial", "observe", "predict")
PLAYGROUND = REPO / "playground"
# The demos each profile was learnt from, then one service per framework it was not
# (issue 20): Serverless, SAM, CDK and `aws cloudformation deploy`.
CONFIGS = (
    PLAYGROUND / "serverless-demo" / "autofix.toml",
    PLAYGROUND / "serverless-upgrade" / "osls" / "autofix.toml",
    PLAYGROUND / "sam-demo" / "autofix.toml",
    PLAYGROUND / "cdk-demo" / "autofix.toml",
    PLAYGROUND / "corpus" / "http-api-dynamodb" / "autofix.toml",
    # A second corpus service on another framework feature (issue 18): stream event
    # sources (a DynamoDB stream and a Kinesis stream), not an HTTP API.
    PLAYGROUND / "corpus" / "streams" / "autofix.toml",
    PLAYGROUND / "services" / "sam-order-desk" / "autofix.toml",
    PLAYGROUND / "services" / "cdk-ledger" / "autofix.toml",
    PLAYGROUND / "services" / "cfn-billing-feed" / "autofix.toml",
)
# The CDK configs' setup runs `aws` from autofix's venv, as `make cdk-demo` does.
_ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def _actions(out: Path) -> set[str]:
    try:
        policy = json.loads((out / "policy.json").read_text())
    except (OSError, ValueError):
        return set()
    return {a.lower() for s in policy.get("Statement", []) for a in s.get("Action", [])}


def measure(config: Path, out: Path, strategy: str = "trial") -> dict[str, object]:
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    proc = subprocess.run(
        [*_RUN, "--config", str(config), "--out", str(out), "--strategy", strategy],
        capture_output=True,
        text=True,
        env=_ENV,
    )
    wall = time.monotonic() - started
    load_after = os.getloadavg()[0]
    try:
        ledger = (out / "ledger.jsonl").read_text()
        summary = json.loads((out / "summary.json").read_text())
    except (OSError, ValueError):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        return {
            "strategy": strategy,
            "verified": False,
            "exit_code": proc.returncode,
            "attempts_total": "-",
            "attempts_per_step": {},
            "wall_seconds": round(wall, 1),
            "overhead_seconds_median": None,
            "overhead_seconds_max": None,
            "load_average": [round(load_before, 1), round(load_after, 1)],
            "error": tail[0] if tail else "no summary.json",
        }
    events = [json.loads(line) for line in ledger.splitlines()]
    command_seconds = [float(e["seconds"]) for e in events if e["event"] == "command_exit"]
    overhead: list[float] = []
    last_exit: float | None = None
    for event in events:
        if event["event"] == "command_exit":
            last_exit = _ts(event)
        elif event["event"] == "attempt_start" and last_exit is not None:
            overhead.append(_ts(event) - last_exit)
            last_exit = None
    channels: dict[str, int] = {}
    for event in events:
        if event["event"] == "denial_found":
            channels[str(event["source"])] = channels.get(str(event["source"]), 0) + 1
    return {
        "strategy": strategy,
        "verified": summary.get("verified"),
        "exit_code": proc.returncode,
        "attempts_total": summary["attempts_total"],
        "attempts_per_step": {s["name"]: s["attempts"] for s in summary["steps"]},
        "actions": len(_actions(out)),
        "wall_seconds": round(wall, 1),
        "command_seconds_total": round(sum(command_seconds), 1),
        "command_seconds_median": (
            round(statistics.median(command_seconds), 2) if command_seconds else None
        ),
        "overhead_seconds_median": round(statistics.median(overhead), 3) if overhead else None,
        "overhead_seconds_max": round(max(overhead), 3) if overhead else None,
        "startup_seconds": round(wall - sum(command_seconds) - sum(overhead), 1),
        "denials_by_channel": channels,
        "load_average": [round(load_before, 1), round(load_after, 1)],
    }


def table(rows: list[dict[str, object]]) -> str:
    """A Markdown table, one row per config and strategy."""
    lines = [
        "| service | strategy | attempts per step | attempts_total | wall (s) | "
        "overhead per attempt, median / max (s) | load before / after | "
        "same actions as trial | verified |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        per_step = r["attempts_per_step"]
        assert isinstance(per_step, dict)
        steps = " + ".join(str(v) for v in per_step.values())
        overhead = (
            "-"
            if r["overhead_seconds_median"] is None
            else f"{r['overhead_seconds_median']} / {r['overhead_seconds_max']}"
        )
        load = r.get("load_average")
        loads = " / ".join(str(x) for x in load) if isinstance(load, list) else "-"
        lines.append(
            f"| {r['service']} | {r['strategy']} | {steps} | {r['attempts_total']} | "
            f"{r['wall_seconds']} | {overhead} | {loads} | {r['same_actions_as_trial']} | "
            f"{'yes' if r['verified'] else 'no'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, action="append", help="(repeatable)")
    parser.add_argument("--strategy", action="append", choices=STRATEGIES, help="(repeatable)")
    parser.add_argument("--json", action="store_true", help="print every measure as JSON")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep each run's output directory (ledger, policy, summary) under "
        "KEEP/<service>/<strategy>, to explain a row",
    )
    args = parser.parse_args()
    strategies = args.strategy or list(STRATEGIES)
    if "trial" in strategies:  # the reference comes first
        strategies = ["trial", *(s for s in strategies if s != "trial")]
    rows: list[dict[str, object]] = []
    for config in (c.resolve() for c in args.config or CONFIGS):
        reference: set[str] | None = None
        for strategy in strategies:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp)
                result = measure(config, out, strategy)
                actions = _actions(out)
                if args.keep is not None:
                    kept = args.keep / config.parent.name / strategy
                    shutil.rmtree(kept, ignore_errors=True)
                    shutil.copytree(out, kept, symlinks=True)
            if strategy == "trial":
                reference = actions
            result["service"] = (
                str(config.parent.relative_to(REPO))
                if config.is_relative_to(REPO)
                else str(config.parent)
            )
            result["same_actions_as_trial"] = (
                "-" if reference is None or strategy == "trial" else actions == reference
            )
            if reference is not None and strategy != "trial" and actions != reference:
                result["actions_not_in_trial"] = sorted(actions - reference)
                result["trial_actions_missing"] = sorted(reference - actions)
            rows.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
    print(json.dumps(rows, indent=2) if args.json else table(rows))


if __name__ == "__main__":
    main()

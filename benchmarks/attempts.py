"""Attempts and per-attempt overhead of the repair loop on the playground.

Every deploy attempt on a real account costs minutes, so the number of attempts is
the main performance figure; the second is what autofix adds to each attempt
(harvesting, stack recovery, applying and awaiting the policy). Runs the real
playground on the embedded sandbox and reads the ledger.

    python benchmarks/attempts.py [--config playground/serverless-demo/autofix.toml]
"""

from __future__ import annotations

import argparse
import json
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


def measure(config: Path, out: Path) -> dict[str, object]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "autofix", "run", "--config", str(config), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - started
    events = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]
    summary = json.loads((out / "summary.json").read_text())
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
        "exit_code": proc.returncode,
        "attempts_total": summary["attempts_total"],
        "attempts_per_step": {s["name"]: s["attempts"] for s in summary["steps"]},
        "actions": len({a for s in summary["steps"] for a in s["actions"]}),
        "wall_seconds": round(wall, 1),
        "command_seconds_total": round(sum(command_seconds), 1),
        "command_seconds_median": round(statistics.median(command_seconds), 2),
        "overhead_seconds_median": round(statistics.median(overhead), 3) if overhead else None,
        "overhead_seconds_max": round(max(overhead), 3) if overhead else None,
        "startup_seconds": round(wall - sum(command_seconds) - sum(overhead), 1),
        "denials_by_channel": channels,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config", type=Path, default=REPO / "playground" / "serverless-demo" / "autofix.toml"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(args.config, Path(tmp))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""The fleet against its services run one by one (`make bench-fleet`).

Runs each service of playground/fleet alone (`autofix run`, one after another, each timed,
its process tree's peak memory sampled), then all of them with `autofix fleet run -j 2`, and
prints: each service's own wall time and peak memory, the fleet's wall time, the ratio of the
fleet's wall time to the sum of the services' own (the bar: at most 0.6 on 2 cores), and
whether each service's policy from the fleet equals its policy from its own run.

    python benchmarks/fleet.py [--jobs 2] [--work DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FLEET = REPO / "playground" / "fleet"
BAR = 0.6

sys.path.insert(0, str(REPO))
from autofix.fleet.discover import discover  # noqa: E402
from autofix.fleet.memory import tree_rss_mb  # noqa: E402
from autofix.policy.document import PolicyDocument  # noqa: E402


def run_alone(config: Path, out: Path) -> dict[str, Any]:
    """`autofix run` on one service: exit code, wall seconds, peak MB of its process tree."""
    started = time.monotonic()
    with (out.parent / f"{out.name}.log").open("wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "autofix", "run", "--config", str(config), "--out", str(out)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        peak = _sample(child)
    return {"exit_code": child.returncode, "seconds": time.monotonic() - started, "peak_mb": peak}


def _sample(child: subprocess.Popen[bytes]) -> float:
    peak = 0.0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(child.pid))
            done.wait(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    child.wait()
    done.set()
    watcher.join()
    return peak


def same_policy(a: Path, b: Path) -> bool:
    if not (a.is_file() and b.is_file()):
        return False
    first = PolicyDocument.load(a, check_actions=False)
    second = PolicyDocument.load(b, check_actions=False)
    return first.to_json() == second.to_json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", type=Path, help="Keep the runs here (default: a temp dir).")
    parser.add_argument("--json", type=Path, help="Also write the figures as JSON.")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    services = discover([FLEET])
    alone: dict[str, dict[str, Any]] = {}
    for service in services:
        print(f"alone: {service.name} …", flush=True)
        (work / "alone").mkdir(parents=True, exist_ok=True)
        alone[service.name] = run_alone(service.config, work / "alone" / service.name)
    print(f"fleet: {len(services)} services at -j {args.jobs} …", flush=True)
    started = time.monotonic()
    fleet = subprocess.run(
        [sys.executable, "-m", "autofix", "fleet", "run", str(FLEET), "-j", str(args.jobs),
         "--out", str(work / "fleet")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )  # fmt: skip
    fleet_seconds = time.monotonic() - started
    if not (work / "fleet" / "fleet.json").is_file():
        print(f"the fleet wrote no fleet.json (exit {fleet.returncode}):\n{fleet.stderr[-2000:]}")
        return 1
    report = json.loads((work / "fleet" / "fleet.json").read_text())
    peaks = report["machine"]["peak_rss_mb"]
    total = sum(r["seconds"] for r in alone.values())
    rows = []
    print(f"\n{'service':14} {'alone s':>8} {'exit':>4} {'peak MB alone':>13} {'peak MB fleet':>13}"
          "  policy equal")  # fmt: skip
    for service in services:
        mine = alone[service.name]
        equal = same_policy(
            work / "alone" / service.name / "policy.json",
            work / "fleet" / service.name / "policy.json",
        )
        rows.append({"service": service.name, **mine, "fleet_peak_mb": peaks.get(service.name),
                     "policy_equal": equal})  # fmt: skip
        print(f"{service.name:14} {mine['seconds']:8.1f} {mine['exit_code']:4} "
              f"{mine['peak_mb']:13.0f} {peaks.get(service.name, 0):13.0f}  {equal}")  # fmt: skip
    ratio = fleet_seconds / total if total else float("inf")
    print(f"\nsum of own wall times {total:.1f} s; fleet at -j {args.jobs} {fleet_seconds:.1f} s "
          f"(exit {fleet.returncode}); ratio {ratio:.2f} (bar: at most {BAR})")  # fmt: skip
    print(f"work: {work}")
    if args.json:
        figures = {
            "services": rows,
            "sum_alone_seconds": total,
            "fleet_seconds": fleet_seconds,
            "jobs": args.jobs,
            "ratio": ratio,
            "fleet_exit_code": fleet.returncode,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    ok = ratio <= BAR and all(r["policy_equal"] for r in rows) and fleet.returncode == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

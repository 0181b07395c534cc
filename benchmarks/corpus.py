"""Attempts and wall time of `autofix run` on each service of the corpus (playground/corpus).

Runs the services one after another (each deploys a stage and removes it on a fresh
embedded sandbox), each from a copy in a temporary directory, under each strategy asked
for, and prints one row per service and strategy: exit code, attempts per step, the
final policy's actions, wall time, whether the verify replay passed, how many resources
the run reported unverified, whether the policy keeps to "merging never widens"
(tests/support/never_widens.py) and to the service's `expected.toml` (its key actions,
exactly its unverified resources), and the reason when something failed.

    python benchmarks/corpus.py [SERVICE ...] [--strategy predict,trial] [--json FILE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "playground" / "corpus"
sys.path.insert(0, str(REPO))

from tests.corpus.expectations import covers, load_expected  # noqa: E402
from tests.support.never_widens import widening_problems  # noqa: E402


def services() -> list[str]:
    """Every directory of the corpus with an autofix.toml, by name."""
    return sorted(p.parent.name for p in CORPUS.glob("*/autofix.toml"))


def copy_service(name: str, target: Path) -> Path:
    """The service copied under `target/corpus/`, beside a link to the corpus's node_modules."""
    root = target / "corpus"
    root.mkdir(parents=True, exist_ok=True)
    modules = root / "node_modules"
    if not modules.exists():
        modules.symlink_to((CORPUS / "node_modules").resolve())
    directory = root / name
    shutil.copytree(
        CORPUS / name,
        directory,
        ignore=shutil.ignore_patterns("node_modules", ".autofix", ".serverless"),
    )
    return directory


def measure(name: str, scratch: Path, strategy: str, timeout: float = 3600) -> dict[str, Any]:
    """Run one service under `strategy`, read its summary and check its outputs."""
    directory = copy_service(name, scratch)
    out = scratch / f"{name}.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = [sys.executable, "-m", "autofix", "run", "--config", str(directory / "autofix.toml")]
    command += ["--strategy", strategy]
    started = time.monotonic()
    proc = subprocess.run(
        [*command, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
    wall = time.monotonic() - started
    summary_path = out / "summary.json"
    summary: dict[str, Any] = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    steps = summary.get("steps", [])
    policy_path = out / "policy.json"
    policy: dict[str, Any] = json.loads(policy_path.read_text()) if policy_path.is_file() else {}
    widening = widening_problems(out, directory / "autofix.toml") if summary else ["no summary"]
    expected = expected_problems(name, summary, policy) if summary else ["no summary"]
    return {
        "service": name,
        "strategy": strategy,
        "exit_code": proc.returncode,
        "attempts_total": summary.get("attempts_total"),
        "attempts_per_step": {s["name"]: s["attempts"] for s in steps},
        "actions": len(policy_actions(policy)),
        "wall_seconds": round(wall, 1),
        "verified": summary.get("verified"),
        "unverified": len(summary.get("unverified", [])),
        "never_widens": widening,
        "expected": expected,
        "reason": None
        if proc.returncode == 0
        else summary.get("reason")
        or next((s.get("reason") for s in steps if not s["ok"]), None)
        or _last_line(proc.stderr),
    }


def policy_actions(policy: dict[str, Any]) -> set[str]:
    """The distinct actions the policy's Allow statements name."""
    found: set[str] = set()
    for statement in policy.get("Statement", []):
        if statement.get("Effect") == "Allow":
            action = statement.get("Action", [])
            found.update([action] if isinstance(action, str) else action)
    return found


def expected_problems(name: str, summary: dict[str, Any], policy: dict[str, Any]) -> list[str]:
    """Where the run misses its `expected.toml`: a key action the policy lacks, or an
    unverified resource the service does not allow (or one it allows, not reported)."""
    expected = load_expected(name)
    region, account = summary.get("region", ""), summary.get("account_id", "")
    problems = [
        f"missing {k.action}" + (f" on {k.resource}" if k.resource else "")
        for k in expected.actions
        if not covers(policy, k, region, account)
    ]
    reported = {(e["type"], e["logical_id"]) for e in summary.get("unverified", [])}
    allowed = {(u.type, u.logical_id) for u in expected.unverified}
    problems += [f"unverified, not allowed: {t} {i}" for t, i in sorted(reported - allowed)]
    problems += [
        f"allowed unverified, not reported: {t} {i}" for t, i in sorted(allowed - reported)
    ]
    return problems


def _last_line(text: str) -> str | None:
    """The last non-empty line of a run's output (its error when it wrote no summary)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else None


def row(result: dict[str, Any]) -> str:
    steps = " + ".join(str(v) for v in result["attempts_per_step"].values()) or "-"
    reason = (result["reason"] or "").replace("|", "/").replace("\n", " ")
    return (
        f"| {result['service']} | {result['strategy']} | {result['exit_code']} "
        f"| {steps} = {result['attempts_total']} | {result['actions']} "
        f"| {result['wall_seconds']} | {result['verified']} | {result['unverified']} "
        f"| {_ok(result['never_widens'])} | {_ok(result['expected'])} | {reason} |"
    )


def _ok(problems: list[str]) -> str:
    return "yes" if not problems else f"no ({len(problems)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", nargs="*", help="services to run (default: all)")
    parser.add_argument(
        "--strategy",
        default="predict",
        help="comma-separated strategies, each run on every service (default: predict)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", type=Path, help="keep each run's policy, ledger and summary here")
    args = parser.parse_args()
    names = args.service or services()
    unknown = sorted(set(names) - set(services()))
    if unknown:
        parser.error(f"not in the corpus: {', '.join(unknown)}")
    strategies = [s for s in args.strategy.split(",") if s]
    print(
        "| service | strategy | exit | attempts | actions | wall s | verified | unverified "
        "| never widens | expected | reason |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    results = []
    for strategy in strategies:
        for name in names:
            with tempfile.TemporaryDirectory(prefix=f"corpus-{name}-") as tmp:
                result = measure(name, Path(tmp), strategy)
                kept = Path(tmp) / f"{name}.out"
                if args.keep and kept.is_dir():
                    target = args.keep / strategy / name
                    shutil.copytree(kept, target, dirs_exist_ok=True)
            results.append(result)
            print(row(result), flush=True)
            if args.json:
                args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

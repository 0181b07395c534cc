"""Attempts and wall time of `autofix run` on each service of the corpus (playground/corpus).

Runs the services one after another (each deploys a stage and removes it on a fresh
embedded sandbox), each from a copy in a temporary directory, and prints one row per
service: exit code, attempts per step, wall time, whether the verify replay passed, how
many resources the run reported unverified, and the reason when it failed.

    python benchmarks/corpus.py [SERVICE ...] [--json FILE] [--keep DIR]
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


def measure(name: str, scratch: Path, timeout: float = 3600) -> dict[str, Any]:
    """Run one service and read its summary."""
    directory = copy_service(name, scratch)
    out = scratch / f"{name}.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = [sys.executable, "-m", "autofix", "run", "--config", str(directory / "autofix.toml")]
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
    return {
        "service": name,
        "exit_code": proc.returncode,
        "attempts_total": summary.get("attempts_total"),
        "attempts_per_step": {s["name"]: s["attempts"] for s in steps},
        "wall_seconds": round(wall, 1),
        "verified": summary.get("verified"),
        "unverified": len(summary.get("unverified", [])),
        "reason": summary.get("reason")
        or next((s.get("reason") for s in steps if not s["ok"]), None)
        or _last_line(proc.stderr),
    }


def _last_line(text: str) -> str | None:
    """The last non-empty line of a run's output (its error when it wrote no summary)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else None


def row(result: dict[str, Any]) -> str:
    steps = ", ".join(f"{k} {v}" for k, v in result["attempts_per_step"].items()) or "-"
    reason = (result["reason"] or "").replace("|", "/").replace("\n", " ")
    return (
        f"| {result['service']} | {result['exit_code']} | {result['attempts_total']} ({steps}) "
        f"| {result['wall_seconds']} | {result['verified']} | {result['unverified']} | {reason} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", nargs="*", help="services to run (default: all)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", type=Path, help="keep each run's policy, ledger and summary here")
    args = parser.parse_args()
    names = args.service or services()
    unknown = sorted(set(names) - set(services()))
    if unknown:
        parser.error(f"not in the corpus: {', '.join(unknown)}")
    print("| service | exit | attempts | wall s | verified | unverified | reason |")
    print("| --- | --- | --- | --- | --- | --- | --- |", flush=True)
    results = []
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"corpus-{name}-") as tmp:
            result = measure(name, Path(tmp))
            if args.keep and (Path(tmp) / f"{name}.out").is_dir():
                shutil.copytree(Path(tmp) / f"{name}.out", args.keep / name, dirs_exist_ok=True)
        results.append(result)
        print(row(result), flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

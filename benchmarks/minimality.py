"""Is every action of a discovered policy needed? Remove each one and replay.

For each action of POLICY, `autofix check` runs the steps under the policy without
that action, in a fresh embedded sandbox; the action is needed when a step fails.
About ten seconds per action on the playground: a measurement, not a test.

    python benchmarks/minimality.py [--config playground/serverless-demo/autofix.toml]
                                    [--policy playground/serverless-demo/.autofix/policy.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "playground" / "serverless-demo"


def without(policy: dict[str, Any], action: str) -> dict[str, Any]:
    statements = []
    for statement in policy["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        kept = [a for a in actions if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**policy, "Statement": statements}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEMO / "autofix.toml")
    parser.add_argument("--policy", type=Path, default=DEMO / ".autofix" / "policy.json")
    args = parser.parse_args()
    policy = json.loads(args.policy.read_text())
    actions = sorted(
        {
            a
            for s in policy["Statement"]
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
    )
    needed: dict[str, str] = {}
    unneeded: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for action in actions:
            path = Path(tmp) / "policy.json"
            path.write_text(json.dumps(without(policy, action)))
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "autofix",
                    "check",
                    "--config",
                    str(args.config),
                    "--policy",
                    str(path),
                    "--json",
                    "--out",
                    str(Path(tmp) / "out"),
                ],
                capture_output=True,
                text=True,
            )
            if proc.returncode == 0:
                unneeded.append(action)
                print(f"{action:45s} NOT NEEDED", flush=True)
                continue
            report = json.loads(proc.stdout)
            failed = next((s for s in report["steps"] if not s["ok"]), None)
            step = failed["name"] if failed else "?"
            named = [m["action"] for m in failed["missing"]] if failed else []
            needed[action] = step
            mark = "" if named == [action] else f"  (check named {named})"
            print(f"{action:45s} needed by {step}{mark}", flush=True)
    print(
        json.dumps(
            {
                "actions": len(actions),
                "needed": len(needed),
                "not_needed": unneeded,
                "seconds": round(time.monotonic() - started, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

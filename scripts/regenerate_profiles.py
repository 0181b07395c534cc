"""`make profiles`: regenerate the shipped tool profiles from trial runs of the demos.

Each profile is learnt from one demo (its `source`): the demo is copied to a temporary
directory (its installed tool linked, not copied), run with `autofix run --strategy trial`
on the embedded sandbox, and `autofix profile` derives the profile from the run, named
after the tool and the major version installed now, recording the full version (the test
tests/predict/test_shipped_profiles.py fails when it no longer matches the installed tool).

    python scripts/regenerate_profiles.py [--only sam-demo] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROFILES = REPO / "autofix" / "data" / "derived" / "profiles"
SOURCES = (
    "playground/serverless-demo",
    "playground/sam-demo",
    "playground/cdk-demo",
    "playground/cfn-demo",
    "playground/serverless-upgrade/v3",
)
"""The demos the shipped profiles are learnt from (each has an autofix.toml)."""
LINKED = ("node_modules", ".venv-sam")
"""Installed tools: linked into the copy, not copied."""
LEFT_OUT = (".autofix", "cdk.out", ".aws-sam", ".serverless", *LINKED)


def _environment() -> dict[str, str]:
    """The run's environment: autofix's venv first on PATH (the demos run its `aws`)."""
    bin_dir = Path(sys.executable).parent
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def _copy(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*LEFT_OUT))
    for name in LINKED:
        if (source / name).exists():
            (target / name).symlink_to((source / name).resolve())


def learn(source: str, work: Path) -> Path:
    """Run the demo `source` by trial in `work`; the profile written (its path)."""
    demo = work / Path(source).name
    _copy(REPO / source, demo)
    out = work / f"{demo.name}.autofix"
    autofix = [sys.executable, "-m", "autofix"]
    run = [*autofix, "run", "--strategy", "trial", "--config", str(demo / "autofix.toml")]
    print(f"{source}: trial run …", flush=True)
    ran = subprocess.run([*run, "--out", str(out)], env=_environment(), cwd=REPO, check=False)
    if ran.returncode != 0:
        raise SystemExit(f"{source}: the trial run failed (exit {ran.returncode}); see {out}")
    made = subprocess.run(
        [*autofix, "profile", str(out)],
        env=_environment(),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        raise SystemExit(f"{source}: autofix profile failed: {made.stderr.strip()}")
    profile = json.loads(made.stdout)
    profile["source"] = source
    target = PROFILES / f"{profile['name']}.json"
    temporary = target.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(profile, indent=1) + "\n", encoding="utf-8")
    temporary.replace(target)
    print(f"{source}: {target.relative_to(REPO)} ({profile.get('version', '?')})", flush=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="a demo directory's name (repeatable)")
    parser.add_argument("--keep", type=Path, help="keep the runs in this directory")
    args = parser.parse_args()
    chosen = [s for s in SOURCES if not args.only or Path(s).name in args.only]
    if not chosen:
        raise SystemExit(f"no such demo: {', '.join(args.only)} (one of {', '.join(SOURCES)})")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for source in chosen:
            learn(source, args.keep)
        return
    with tempfile.TemporaryDirectory(prefix="autofix-profiles-") as work:
        for source in chosen:
            learn(source, Path(work))


if __name__ == "__main__":
    main()

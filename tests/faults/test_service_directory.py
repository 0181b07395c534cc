"""Two runs in one service directory, each with its own --out, take turns step by step
instead of deleting each other's build artifacts (issue 22)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_config

# As `sls deploy` does with `.serverless/`: wipe the build folder, build into it, then use it.
# Each run waits (up to 10 s) until the other one has started its step too, so without turns
# both build at once and the one that built first finds the other's artifact.
STEP = (
    "rm -rf .build && mkdir .build && echo $RUN_TAG > .build/artifact && touch arrived.$RUN_TAG"
    " && for i in $(seq 1 40); do [ $(ls arrived.* | wc -l) -ge 2 ] && break; sleep 0.25; done"
    ' && sleep 1 && [ "$(cat .build/artifact)" = "$RUN_TAG" ]'
)


def _start(config: Path, out: Path, tag: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["RUN_TAG"] = tag
    command = ["run", "--strategy", "trial", "--no-verify", "--config", str(config)]
    return subprocess.Popen(
        [sys.executable, "-m", "autofix", *command, "--out", str(out)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_runs_in_one_service_directory_take_turns(tmp_path: Path) -> None:
    config = write_config(tmp_path, f'[[steps]]\nname = "deploy"\nrun = """{STEP}"""\n')
    runs = [_start(config, tmp_path / f"out-{tag}", tag) for tag in ("a", "b")]
    results = [run.communicate(timeout=600) for run in runs]
    for run, (stdout, stderr) in zip(runs, results, strict=True):
        assert run.returncode == 0, (stdout + stderr)[-3000:]
    said = "".join(stdout + stderr for stdout, stderr in results)
    assert "another autofix run's step in" in said
    assert sorted(p.name for p in tmp_path.glob("arrived.*")) == ["arrived.a", "arrived.b"]

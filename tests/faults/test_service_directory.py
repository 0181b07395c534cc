"""Two runs in one service directory, each with its own --out, take turns step by step
instead of deleting each other's build artifacts (issue 22)."""

from __future__ import annotations

from pathlib import Path

from tests.faults.conftest import start_autofix

# As `sls deploy` does with `.serverless/`: wipe the build folder, build into it, then use it.
# Each run waits (up to 10 s) until the other one has started its step too, so without turns
# both build at once and the one that built first finds the other's artifact.
STEP = (
    "rm -rf .build && mkdir .build && echo $RUN_TAG > .build/artifact && touch arrived.$RUN_TAG"
    " && for i in $(seq 1 40); do [ $(ls arrived.* | wc -l) -ge 2 ] && break; sleep 0.25; done"
    ' && sleep 1 && [ "$(cat .build/artifact)" = "$RUN_TAG" ]'
)


def test_two_runs_in_one_service_directory_take_turns(tmp_path: Path) -> None:
    runs = []
    for tag in ("a", "b"):  # one service directory, a config and an --out per run
        config = tmp_path / f"{tag}.toml"
        config.write_text(
            f'[[steps]]\nname = "deploy"\nrun = """{STEP}"""\nenv = {{ RUN_TAG = "{tag}" }}\n'
        )
        once = ("run", "--strategy", "trial", "--no-verify", "-c", str(config))
        runs.append(start_autofix(*once, "--out", str(tmp_path / f"out-{tag}")))
    results = [run.communicate(timeout=600) for run in runs]
    for run, (stdout, stderr) in zip(runs, results, strict=True):
        assert run.returncode == 0, (stdout + stderr)[-3000:]
    said = "".join(stdout + stderr for stdout, stderr in results)
    assert "another autofix run's step in" in said
    assert sorted(p.name for p in tmp_path.glob("arrived.*")) == ["arrived.a", "arrived.b"]

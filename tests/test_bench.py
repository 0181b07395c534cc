"""`make bench` (benchmarks/attempts.py): what it runs and how its table reads."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_attempts", REPO / "benchmarks" / "attempts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_runs_two_corpus_services_and_the_sam_demo_under_every_strategy() -> None:
    bench = _bench()
    services = [config.parent.relative_to(REPO).as_posix() for config in bench.CONFIGS]
    assert all(config.is_file() for config in bench.CONFIGS), services
    assert len([s for s in services if s.startswith("playground/corpus/")]) >= 2, services
    assert "playground/sam-demo" in services
    assert set(bench.STRATEGIES) == {"trial", "observe", "predict"}


@pytest.mark.spawns  # the autofix CLI, on a bad config (about 3 s)
def test_a_run_that_leaves_no_summary_is_a_row_not_a_crash(tmp_path: Path) -> None:
    bench = _bench()
    config = tmp_path / "autofix.toml"
    config.write_text("[[steps]]\nname = 'x'\n", encoding="utf-8")  # no `run`: exit 2
    row = bench.measure(config, tmp_path / "out", "trial")
    assert row["exit_code"] == 2
    assert row["verified"] is False and row["attempts_total"] == "-"
    assert row["error"]
    row.update(service="bad", same_actions_as_trial="-")
    assert "| bad | trial |  | - |" in bench.table([row])


def test_the_table_shows_overhead_load_and_verified() -> None:
    row = {
        "service": "playground/sam-demo",
        "strategy": "predict",
        "attempts_per_step": {"deploy": 1, "deploy (update)": 1, "delete": 1},
        "attempts_total": 3,
        "wall_seconds": 120.5,
        "overhead_seconds_median": 0.4,
        "overhead_seconds_max": 1.2,
        "load_average": [3.1, 4.0],
        "same_actions_as_trial": True,
        "verified": True,
    }
    line = _bench().table([row]).splitlines()[-1]
    assert line == (
        "| playground/sam-demo | predict | 1 + 1 + 1 | 3 | 120.5 | 0.4 / 1.2 | 3.1 / 4.0 "
        "| True | yes |"
    )

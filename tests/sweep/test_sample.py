"""The sweep over its fixed sample (tests/sweep/sample_types.txt), run as a user runs it.

What the harness guarantees today, whatever issue 18 has fixed so far: one record of the
documented shape per type, each failure recorded from a stack of its own type, each success
from a run that converged, every tier present, and a known-good type converging and
verifying. The bar of issue 18 (95% converge) is `make sweep`'s summary, not this test's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from scripts.cfn_sweep import catalog

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
FIELDS = {
    "type": str,
    "converged": bool,
    "verified": bool,
    "attempts": int,
    "tier": str,
    "star_demands": list,
    "star_grants": list,
    "stage": str,
    "stack": str,
    "stack_types": int,
}


def _sample() -> list[str]:
    text = (REPO / "tests" / "sweep" / "sample_types.txt").read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("sweep") / "sweep.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "sweep.py"),
            "--types",
            ",".join(_sample()),
            "--per-stack",
            "12",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def test_one_record_of_the_documented_shape_per_type(swept: dict[str, Any]) -> None:
    rows = swept["types"]
    assert [r["type"] for r in rows] == _sample()
    for row in rows:
        for name, kind in FIELDS.items():
            assert isinstance(row[name], kind), (row["type"], name)
        assert row["tier"] in ("checked", "schema-bound", "unverified")
        assert row["reason"] is None if row["converged"] else row["reason"]
        assert not row["verified"] or row["converged"]
        assert all(isinstance(a, str) and ":" in a for a in row["star_grants"])
    assert {c["check"] for c in swept["checks"]}


def test_each_failure_is_its_own_types_and_each_stack_converged_whole(
    swept: dict[str, Any],
) -> None:
    by_stack: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in swept["types"]:
        by_stack[row["stack"]].append(row)
        if not row["converged"]:
            assert row["stack_types"] == 1 and row["stage"] == "alone", row["type"]
            assert row["attempts"] > 0
    for rows in by_stack.values():
        assert len(rows) == rows[0]["stack_types"]
        assert len({r["converged"] for r in rows}) == 1


def test_every_tier_is_swept(swept: dict[str, Any]) -> None:
    assert {r["tier"] for r in swept["types"]} == {"checked", "schema-bound", "unverified"}


def test_the_known_good_type_converges_and_verifies(swept: dict[str, Any]) -> None:
    row = next(r for r in swept["types"] if r["type"] == catalog.KNOWN_GOOD)
    assert row["converged"] and row["verified"], row
    assert not row["star_demands"]
